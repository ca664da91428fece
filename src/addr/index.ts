export { type Ip4, ip4, parseIp4, tryParseIp4, canonicalIp4, ip4ToString, isLoopback } from './ip4.js';
export { Cidr4, prefixMask, type IfAddr, ifAddrToString, ifAddrSubnet, parseIfAddr, canonicalIfAddr, canonicalCidr4 } from './cidr.js';
export { type Mac, macFromName, parseMac, BROADCAST_MAC, ZERO_MAC } from './mac.js';
export { type Port, parsePort, type L4Proto, type IpProto, PROTO_NUMBER } from './port.js';
