import { ChangeDetectionStrategy, Component, type Signal, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';

@Component({
  selector: 'ehr-idle-warning',
  imports: [MatDialogModule, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 mat-dialog-title id="idle-title">Are you still there?</h2>
    <mat-dialog-content>
      <p id="idle-text" aria-live="polite">
        To protect the health records on this screen, you will be signed out in
        <strong>{{ data.secondsLeft() }} seconds</strong> because nothing happened for a while.
      </p>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button [mat-dialog-close]="false">Sign out now</button>
      <button mat-flat-button [mat-dialog-close]="true" cdkFocusInitial>Stay signed in</button>
    </mat-dialog-actions>
  `,
})
export class IdleWarningDialog {
  readonly data = inject<{ secondsLeft: Signal<number> }>(MAT_DIALOG_DATA);
}
