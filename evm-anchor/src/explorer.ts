// Links to a transaction, address or block: Etherscan's pages for a public chain, and for the
// local Anvil the portal's auditor pages (chain.ts: localExplorerUrl), which mirror Etherscan's
// paths (/tx/…, /address/…, /block/…) and show the same facts read from the local node.
export interface Explorer {
  kind: 'etherscan' | 'local';
  baseUrl: string;
  tx(hash: string): string;
  address(address: string): string;
  block(number: number | bigint): string;
}

export function explorerFor(opts: { kind: Explorer['kind']; baseUrl: string }): Explorer {
  let base: URL;
  try {
    base = new URL(opts.baseUrl);
  } catch {
    throw new Error(`explorer base URL "${opts.baseUrl}" is not a URL`);
  }
  if (base.protocol !== 'https:' && !(opts.kind === 'local' && base.protocol === 'http:')) {
    throw new Error(`explorer base URL ${opts.baseUrl} must use https`);
  }
  const root = opts.baseUrl.replace(/\/+$/, '');
  return {
    kind: opts.kind,
    baseUrl: root,
    tx: (hash) => `${root}/tx/${hash}`,
    address: (address) => `${root}/address/${address}`,
    block: (number) => `${root}/block/${number}`,
  };
}
