// The package ships no types; this is the one function locflow calls.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0–16383) of a key, honouring a `{…}` hash tag. */
  export default function calculateSlot(key: string | Buffer): number;
}
