import { checkIfName } from '../names.js';

/**
 * checkIfName remembering the last few names it accepted: a pure function of the text, and the virtual kernel meets
 * the same few names over and over (every pod's eth0, the bridge), each time through a regular expression.
 */
const accepted: string[] = ['', '', '', ''];
let next = 0;

export function checkIfNameSeen(name: string): void {
  // '' is never accepted, so the empty slots match nothing.
  if (name !== '' && (name === accepted[0] || name === accepted[1] || name === accepted[2] || name === accepted[3])) return;
  checkIfName(name);
  accepted[next] = name;
  next = (next + 1) & 3;
}
