// The local chain's "block explorer": what Etherscan shows for an anchor's transaction, an
// address (the anchor contract or a hospital's anchorer) and a block, read by this hospital's
// gateway from the chain node (GET /audit/ethereum/…). The anchors' links on the local chain
// open these pages (their paths mirror Etherscan's: …/tx/<hash>, …/address/<a>, …/block/<n>);
// on a public chain the links go to Etherscan itself.
import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { AuditService } from '../api/generated/services/audit.service';
import { describeError } from '../core/api-error';
import { ErrorBox, HospitalPipe, Loading, WhenPipe } from '../shared/ui';

const EXPLORER = '/auditor/ethereum';

/** What the three pages share: the way back, the facts list and long hashes that wrap. */
const STYLES = `
  .crumbs {
    margin: 0 0 8px;
  }
  dl.facts {
    display: grid;
    grid-template-columns: minmax(8em, max-content) 1fr;
    gap: 8px 16px;
    margin: 0;
  }
  dl.facts dt {
    font: var(--mat-sys-title-small);
    color: var(--mat-sys-on-surface-variant);
  }
  dl.facts dd {
    margin: 0;
    min-width: 0;
  }
  @media (max-width: 600px) {
    dl.facts {
      grid-template-columns: 1fr;
      gap: 2px;
    }
    dl.facts dd {
      margin-bottom: 8px;
    }
  }
`;

const CRUMBS = `
  <nav class="crumbs" aria-label="Breadcrumb">
    <a routerLink="/auditor/anchors">Anchors</a> › Local block explorer
  </nav>
`;

const NOTE = `
  <p class="muted">
    Read from the local Ethereum node by this hospital’s gateway: what a block explorer such as
    Etherscan shows on a public chain.
  </p>
`;

@Component({
  selector: 'ehr-ethereum-tx',
  imports: [RouterLink, ErrorBox, Loading, HospitalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      ${CRUMBS}
      <h1>Ethereum transaction</h1>
      ${NOTE}
      <ehr-error [error]="error()" />
      @if (tx.isLoading()) {
        <ehr-loading label="Reading the transaction…" />
      } @else if (tx.hasValue()) {
        @let t = tx.value();
        <dl class="facts" data-testid="ethereum-tx">
          <dt>Transaction hash</dt>
          <dd class="mono">{{ t.hash }}</dd>
          <dt>Status</dt>
          <dd>
            <span class="badge" [class.danger]="t.status !== 'success'">{{ statusWords() }}</span>
          </dd>
          <dt>Block</dt>
          <dd>
            @if (t.blockNumber !== undefined) {
              <a [routerLink]="[explorer, 'block', t.blockNumber]">{{ t.blockNumber }}</a>
            } @else {
              not yet in a block
            }
          </dd>
          <dt>From</dt>
          <dd>
            <a class="mono" [routerLink]="[explorer, 'address', t.from]">{{ t.from }}</a>
          </dd>
          <dt>To</dt>
          <dd>
            @if (t.to) {
              <a class="mono" [routerLink]="[explorer, 'address', t.to]">{{ t.to }}</a>
            } @else {
              a new contract (contract creation)
            }
          </dd>
          @if (t.gasUsed !== undefined) {
            <dt>Gas used</dt>
            <dd>{{ t.gasUsed }}</dd>
          }
        </dl>
        <h2>Anchors recorded by this transaction</h2>
        @if (t.anchors.length) {
          <div class="table-wrap">
            <table class="data" data-testid="tx-anchors">
              <caption class="visually-hidden">
                Ledger blocks this transaction anchored
              </caption>
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Ledger block</th>
                  <th scope="col">Header hash</th>
                  <th scope="col">For</th>
                  <th scope="col">Anchorer</th>
                </tr>
              </thead>
              <tbody>
                @for (a of t.anchors; track $index) {
                  <tr>
                    <td>{{ a.channel }}</td>
                    <td>{{ a.blockNumber }}</td>
                    <td class="mono">{{ a.headerHash }}</td>
                    <td>{{ a.member | hospital }}</td>
                    <td class="mono">
                      <a [routerLink]="[explorer, 'address', a.anchorer]">{{ a.anchorer }}</a>
                    </td>
                  </tr>
                }
              </tbody>
            </table>
          </div>
        } @else {
          <p>None: this transaction recorded no anchor of the ledger.</p>
        }
      }
    </div>
  `,
  styles: STYLES,
})
export class EthereumTxPage {
  private readonly audit = inject(AuditService);
  readonly explorer = EXPLORER;
  /** Route parameter. */
  readonly hash = input.required<string>();
  readonly tx = rxResource({
    params: () => this.hash(),
    stream: ({ params }) => this.audit.getEthereumTransaction({ hash: params }),
  });
  readonly error = computed(() => (this.tx.error() ? describeError(this.tx.error()) : null));
  readonly statusWords = computed(() => {
    const status = this.tx.hasValue() ? this.tx.value().status : undefined;
    return status === 'success'
      ? 'Success: mined and applied'
      : status === 'reverted'
        ? 'Reverted: mined, refused by the contract'
        : 'Pending: not yet mined';
  });
}

@Component({
  selector: 'ehr-ethereum-address',
  imports: [RouterLink, ErrorBox, Loading, HospitalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      ${CRUMBS}
      <h1>Ethereum address</h1>
      ${NOTE}
      <ehr-error [error]="error()" />
      @if (account.isLoading()) {
        <ehr-loading label="Reading the address…" />
      } @else if (account.hasValue()) {
        @let a = account.value();
        <dl class="facts" data-testid="ethereum-address">
          <dt>Address</dt>
          <dd class="mono">{{ a.address }}</dd>
          <dt>What it is</dt>
          <dd>
            @if (a.isAnchorContract) {
              The ledger’s anchor contract (EhrAnchor)
            } @else if (a.anchorsFor) {
              The anchorer of {{ a.anchorsFor | hospital }}: the only key that may anchor for that
              hospital
            } @else if (a.codeSize > 0) {
              A contract (not the anchor contract)
            } @else {
              An account that may not anchor
            }
          </dd>
          <dt>Code</dt>
          <dd>{{ a.codeSize }} bytes</dd>
          @if (a.owner) {
            <dt>Owner</dt>
            <dd>
              <a class="mono" [routerLink]="[explorer, 'address', a.owner]">{{ a.owner }}</a>
            </dd>
          }
        </dl>
      }
    </div>
  `,
  styles: STYLES,
})
export class EthereumAddressPage {
  private readonly audit = inject(AuditService);
  readonly explorer = EXPLORER;
  /** Route parameter. */
  readonly address = input.required<string>();
  readonly account = rxResource({
    params: () => this.address(),
    stream: ({ params }) => this.audit.getEthereumAddress({ address: params }),
  });
  readonly error = computed(() =>
    this.account.error() ? describeError(this.account.error()) : null,
  );
}

@Component({
  selector: 'ehr-ethereum-block',
  imports: [RouterLink, ErrorBox, Loading, WhenPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      ${CRUMBS}
      <h1>Ethereum block {{ number() }}</h1>
      ${NOTE}
      <ehr-error [error]="error()" />
      @if (block.isLoading()) {
        <ehr-loading label="Reading the block…" />
      } @else if (block.hasValue()) {
        @let b = block.value();
        <dl class="facts" data-testid="ethereum-block">
          <dt>Number</dt>
          <dd>{{ b.number }}</dd>
          <dt>Time</dt>
          <dd>{{ b.timestamp | when: 'd MMM yyyy, HH:mm:ss' }}</dd>
          <dt>Block hash</dt>
          <dd class="mono">{{ b.hash ?? 'not yet sealed' }}</dd>
          <dt>Parent block</dt>
          <dd class="mono">
            @if (b.number > 0) {
              <a [routerLink]="[explorer, 'block', b.number - 1]">{{ b.parentHash }}</a>
            } @else {
              none (the first block)
            }
          </dd>
        </dl>
        <h2>Transactions</h2>
        @if (b.transactions.length) {
          <ul class="mono">
            @for (t of b.transactions; track t.hash) {
              <li>
                <a [routerLink]="[explorer, 'tx', t.hash]">{{ t.hash }}</a>
              </li>
            }
          </ul>
        } @else {
          <p>None.</p>
        }
      }
    </div>
  `,
  styles: STYLES,
})
export class EthereumBlockPage {
  private readonly audit = inject(AuditService);
  readonly explorer = EXPLORER;
  /** Route parameter. */
  readonly number = input.required<string>();
  readonly block = rxResource({
    params: () => this.number(),
    stream: ({ params }) => this.audit.getEthereumBlock({ number: params }),
  });
  readonly error = computed(() => (this.block.error() ? describeError(this.block.error()) : null));
}
