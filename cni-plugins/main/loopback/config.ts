/** loopback has no fields of its own: upstream reads only the common NetConf (name, cniVersion, prevResult). */
export const LOOPBACK_FIELDS: readonly string[] = [];
