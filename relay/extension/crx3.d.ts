/** crx3 1.x ships no types: the one call the relay makes. */
declare module 'crx3' {
  export default function crx3(files: string[], options: { keyPath: string; crxPath: string }): Promise<{ appId: string }>;
}
