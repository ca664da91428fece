export { KubewireError, InputError, isKubewireError, assertNever, errorMessage } from './errors.js';
export { Fraction } from './fraction.js';
export { isThenable } from './thenable.js';
export { Rng } from './rng.js';
export { type Clock, SimulatedClock, wallClock } from './clock.js';
export { deepFreeze, isDeepFrozenJson } from './deep-freeze.js';
