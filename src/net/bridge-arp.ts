import type { Mac } from '../addr/index.js';

/** Who answers ARP for one address on a bridge: the MAC to send to, and whose interface it is. */
export interface BridgeArpAnswer {
  readonly mac: Mac;
  readonly netns: string;
  readonly dev: string;
}

/**
 * Who answers ARP for each address on a bridge (keyed by `ip | 0`), as of topology generation `at`. A Map that
 * carries its generation itself: a trace reaches two nodes' bridges, and a separate record holding the generation
 * and the Map was one more object to load, cold in memory in a 5,000-node cluster, before the Map's.
 */
export class BridgeArpAnswers extends Map<number, BridgeArpAnswer> {
  constructor(readonly at: number) {
    super();
  }
}
