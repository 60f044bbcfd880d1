// Propose a new member hospital with what its operators gave you (`npm run org -- request`):
// the gateway computes the channel update adding it from the channel's current configuration and
// records proposal, update and hash on the ledger, signed by you.
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import {
  FormControl,
  FormGroup,
  ReactiveFormsModule,
  Validators,
  type ValidatorFn,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { MembershipService } from '../../api/generated/services/membership.service';
import { type ShownError, describeError } from '../../core/api-error';
import { ErrorBox } from '../../shared/ui';

const text = (extra: ValidatorFn[] = []) =>
  new FormControl('', { nonNullable: true, validators: [Validators.required, ...extra] });

@Component({
  selector: 'ehr-propose-member',
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Propose a hospital</h1>
      <p class="muted">
        Enter what the joining hospital gave you. Compare its CA certificate with them by another
        channel (e.g. a phone call) before you propose: its fingerprint is shown on the next page.
      </p>
      <form [formGroup]="form" (ngSubmit)="propose()" class="form">
        <mat-form-field appearance="outline">
          <mat-label>Display name</mat-label>
          <input matInput formControlName="displayName" maxlength="200" />
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>MSP id</mat-label>
          <input matInput formControlName="mspId" placeholder="Hospital3MSP" />
          <mat-hint>Letters and digits, ending in MSP</mat-hint>
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>Peer endpoint</mat-label>
          <input
            matInput
            formControlName="peerEndpoint"
            placeholder="peer0.hospital3.example:7051"
          />
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>CA root certificate (PEM)</mat-label>
          <textarea matInput formControlName="caRootCertPem" rows="6" class="mono"></textarea>
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>Encryption public key (PEM)</mat-label>
          <textarea
            matInput
            formControlName="encryptionPublicKeyPem"
            rows="6"
            class="mono"
          ></textarea>
        </mat-form-field>
        <ehr-error [error]="error()" />
        <button mat-flat-button type="submit" [disabled]="form.invalid || busy()">
          {{ busy() ? 'Proposing…' : 'Propose' }}
        </button>
      </form>
    </div>
  `,
  styles: `
    .form {
      display: grid;
      gap: 8px;
      max-width: 720px;
    }
  `,
})
export class ProposePage {
  private readonly membership = inject(MembershipService);
  private readonly router = inject(Router);
  readonly busy = signal(false);
  readonly error = signal<ShownError | null>(null);
  readonly form = new FormGroup({
    displayName: text([Validators.maxLength(200)]),
    mspId: text([Validators.pattern(/^[A-Za-z][A-Za-z0-9]{0,60}MSP$/)]),
    peerEndpoint: text([Validators.pattern(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/)]),
    caRootCertPem: text([Validators.pattern(/^-----BEGIN CERTIFICATE-----/)]),
    encryptionPublicKeyPem: text([Validators.pattern(/^-----BEGIN PUBLIC KEY-----/)]),
  });

  async propose(): Promise<void> {
    if (this.form.invalid) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      const v = this.form.getRawValue();
      const body = {
        ...v,
        caRootCertPem: v.caRootCertPem.trim() + '\n',
        encryptionPublicKeyPem: v.encryptionPublicKeyPem.trim() + '\n',
      };
      const p = await firstValueFrom(this.membership.proposeMember({ body }));
      await this.router.navigate(['/admin/members', p.proposalId]);
    } catch (e) {
      this.error.set(describeError(e));
    } finally {
      this.busy.set(false);
    }
  }
}
