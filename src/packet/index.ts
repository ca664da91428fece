export { type Packet, makePacket, flowKey, withDst, withSrc, hasPorts } from './packet.js';
