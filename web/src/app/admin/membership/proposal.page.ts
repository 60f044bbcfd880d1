// One membership proposal: what it adds (with the CA fingerprint to compare out of band and the
// hash of the channel update), who signed or refused, and the decision for this hospital's admin:
// approve (your gateway signs the update with your own identity; at the majority it submits the
// update to the ordering service), reject with a reason, or withdraw (the proposing hospital).
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { RouterLink } from '@angular/router';
import { firstValueFrom, type Observable } from 'rxjs';
import type { MemberProposal } from '../../api/generated/models/member-proposal';
import { MembershipService } from '../../api/generated/services/membership.service';
import { type ShownError, describeError } from '../../core/api-error';
import { HospitalService } from '../../core/hospital.service';
import { ErrorBox, HospitalPipe, Loading, PersonPipe, WhenPipe } from '../../shared/ui';
import { statusLabel } from './status';

@Component({
  selector: 'ehr-member-proposal',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    RouterLink,
    ErrorBox,
    Loading,
    HospitalPipe,
    PersonPipe,
    WhenPipe,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <p><a routerLink="/admin/members">All proposals</a></p>
      @if (p(); as p) {
        <h1>{{ p.displayName }}</h1>
        <p role="status" data-testid="proposal-status">
          <strong>{{ label(p) }}</strong> — {{ p.approvals.length }} of
          {{ p.requiredApprovals }} approvals needed from the {{ p.members.length }} member
          hospitals.
        </p>
        <dl class="facts">
          <dt>MSP id</dt>
          <dd class="mono">{{ p.mspId }}</dd>
          <dt>Peer endpoint</dt>
          <dd class="mono">{{ p.peerEndpoint }}</dd>
          <dt>CA certificate fingerprint (SHA-256)</dt>
          <dd class="mono" data-testid="ca-fingerprint">{{ p.caFingerprint }}</dd>
          <dt>Channel update (SHA-256)</dt>
          <dd class="mono">{{ p.configUpdateSha256 }}</dd>
          <dt>Encryption key</dt>
          <dd class="mono">{{ p.encryptionKey.algorithm }} {{ p.encryptionKey.keyId }}</dd>
          <dt>Proposed</dt>
          <dd>
            by {{ p.proposedBy | person }}, {{ p.proposedAt | when }}; expires
            {{ p.expiresAt | when }}
          </dd>
        </dl>
        <h2>Decisions</h2>
        <ul data-testid="decisions">
          @for (a of p.approvals; track a.mspId) {
            <li>
              {{ a.mspId | hospital }} approved: signed by {{ a.by | person }}, {{ a.at | when }}
            </li>
          }
          @for (r of p.rejections; track r.mspId) {
            <li>
              {{ r.mspId | hospital }} rejected ({{ r.by | person }}, {{ r.at | when }}){{
                r.reason ? ': ' + r.reason : ''
              }}
            </li>
          }
          @if (p.status === 'withdrawn') {
            <li>Withdrawn by {{ p.closedBy | person }}, {{ p.closedAt | when }}</li>
          }
          @if (p.submittedAt) {
            <li>
              Channel update submitted by {{ p.submittedBy | person }}, {{ p.submittedAt | when }}
            </li>
          }
          @if (!p.approvals.length && !p.rejections.length && p.status === 'open') {
            <li>No decision yet.</li>
          }
        </ul>
        <ehr-error [error]="error()" />
        @if (done(); as d) {
          <p role="status" class="ok" data-testid="decision-result">{{ d }}</p>
        }
        @if (canDecide()) {
          <div class="row">
            <button mat-flat-button (click)="approve()" [disabled]="busy()">
              {{ busy() ? 'Working…' : 'Approve and sign the update' }}
            </button>
          </div>
          <div class="row reject">
            <mat-form-field appearance="outline">
              <mat-label>Reason for rejecting (optional)</mat-label>
              <input matInput [formControl]="reason" maxlength="500" />
            </mat-form-field>
            <button mat-stroked-button (click)="reject()" [disabled]="busy()">Reject</button>
          </div>
        }
        @if (p.status === 'open' && !p.expired && ownProposal()) {
          <button mat-stroked-button (click)="withdraw()" [disabled]="busy()">
            Withdraw the proposal
          </button>
        }
        @if (p.status === 'approved' && !p.submittedAt) {
          <button mat-flat-button (click)="submit()" [disabled]="busy()">
            Submit the channel update
          </button>
        }
      } @else if (!error()) {
        <ehr-loading />
      } @else {
        <ehr-error [error]="error()" />
      }
    </div>
  `,
  styles: `
    .facts {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 4px 16px;
    }
    .facts dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .reject mat-form-field {
      min-width: 320px;
    }
    .ok {
      color: #1b5e20;
    }
  `,
})
export class ProposalPage {
  private readonly membership = inject(MembershipService);
  private readonly hospital = inject(HospitalService);
  readonly proposalId = input.required<string>();
  readonly p = signal<MemberProposal | null>(null);
  readonly busy = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly done = signal<string | null>(null);
  readonly reason = new FormControl('', { nonNullable: true });
  readonly label = statusLabel;
  private readonly mspId = computed(() => this.hospital.info()?.mspId ?? '');
  readonly ownProposal = computed(
    () => this.p()?.proposedBy.startsWith(`${this.mspId()}/`) ?? false,
  );
  readonly canDecide = computed(() => {
    const p = this.p();
    const me = this.mspId();
    return (
      !!p &&
      p.status === 'open' &&
      !p.expired &&
      !p.approvals.some((a) => a.mspId === me) &&
      !p.rejections.some((r) => r.mspId === me)
    );
  });

  ngOnInit(): void {
    void this.run(this.membership.getMemberProposal({ proposalId: this.proposalId() }), null);
  }

  approve(): Promise<void> {
    return this.run(this.membership.approveMember({ proposalId: this.proposalId() }), 'approve');
  }

  reject(): Promise<void> {
    const reason = this.reason.value.trim();
    return this.run(
      this.membership.rejectMember({
        proposalId: this.proposalId(),
        body: reason ? { reason } : {},
      }),
      'Your hospital’s rejection is recorded on the ledger.',
    );
  }

  withdraw(): Promise<void> {
    return this.run(
      this.membership.withdrawMember({ proposalId: this.proposalId() }),
      'The proposal is withdrawn.',
    );
  }

  submit(): Promise<void> {
    return this.run(
      this.membership.submitMemberUpdate({ proposalId: this.proposalId() }),
      'approve',
    );
  }

  private async run(
    call: Observable<MemberProposal | { proposal: MemberProposal; submitted: boolean }>,
    message: string | null,
  ): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    this.done.set(null);
    try {
      const answer = await firstValueFrom(call);
      if ('proposal' in answer) {
        this.p.set(answer.proposal);
        this.done.set(
          answer.submitted
            ? 'Approved by a majority: your signature completed it and the channel update was submitted. The hospital can now start its services (npm run org -- add).'
            : 'Your signature is recorded on the ledger. More member hospitals must approve.',
        );
      } else {
        this.p.set(answer);
        if (message) this.done.set(message);
      }
    } catch (e) {
      this.error.set(describeError(e));
    } finally {
      this.busy.set(false);
    }
  }
}
