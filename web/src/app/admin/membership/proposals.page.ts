// Membership proposals of the consortium, newest first: who proposed which hospital, how many
// member hospitals signed, and what is left to decide. Each opens its own page to decide on it.
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import type { MemberProposal } from '../../api/generated/models/member-proposal';
import { MembershipService } from '../../api/generated/services/membership.service';
import { type ShownError, describeError } from '../../core/api-error';
import { EmptyState, ErrorBox, HospitalPipe, Loading, WhenPipe } from '../../shared/ui';
import { statusLabel } from './status';

@Component({
  selector: 'ehr-member-proposals',
  imports: [MatButtonModule, RouterLink, ErrorBox, EmptyState, Loading, HospitalPipe, WhenPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Member hospitals</h1>
      <p class="muted">
        A new hospital joins the consortium when the admins of a majority of the member hospitals
        sign the channel update that adds it. Every proposal, signature, rejection and withdrawal is
        recorded on the ledger.
      </p>
      <a mat-flat-button routerLink="/admin/members/propose">Propose a hospital</a>
      <ehr-error [error]="error()" />
      @if (items(); as list) {
        @if (list.length) {
          <div class="table-wrap">
            <table class="data" data-testid="proposals">
              <caption>
                Membership proposals
              </caption>
              <thead>
                <tr>
                  <th scope="col">Hospital</th>
                  <th scope="col">Proposed by</th>
                  <th scope="col">Approvals</th>
                  <th scope="col">Status</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                @for (p of list; track p.proposalId) {
                  <tr>
                    <td>
                      <a [routerLink]="['/admin/members', p.proposalId]">{{ p.displayName }}</a>
                      <span class="muted"> ({{ p.mspId }})</span>
                    </td>
                    <td>{{ p.proposedBy.split('/')[0] | hospital }}, {{ p.proposedAt | when }}</td>
                    <td>{{ p.approvals.length }} of {{ p.requiredApprovals }}</td>
                    <td>{{ label(p) }}</td>
                    <td>{{ p.expiresAt | when }}</td>
                  </tr>
                }
              </tbody>
            </table>
          </div>
        } @else {
          <ehr-empty>No hospital has been proposed yet.</ehr-empty>
        }
      } @else if (!error()) {
        <ehr-loading />
      }
    </div>
  `,
})
export class ProposalsPage {
  private readonly membership = inject(MembershipService);
  readonly items = signal<MemberProposal[] | null>(null);
  readonly error = signal<ShownError | null>(null);
  readonly label = statusLabel;

  constructor() {
    void this.load();
  }

  async load(): Promise<void> {
    try {
      this.items.set((await firstValueFrom(this.membership.listMemberProposals())).items);
    } catch (e) {
      this.error.set(describeError(e));
    }
  }
}
