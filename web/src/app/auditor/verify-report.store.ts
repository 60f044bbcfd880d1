import { Injectable, signal } from '@angular/core';
import type { VerifyReport } from '../api/generated/models/verify-report';

/** The last verify report of this visit (the anchors page uses its height for the chart). */
@Injectable({ providedIn: 'root' })
export class VerifyReportStore {
  readonly last = signal<{ report: VerifyReport; at: Date } | null>(null);
}
