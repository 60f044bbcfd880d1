// The hospital whose gateway serves this portal: its name is on every page.
import { Injectable, inject, signal } from '@angular/core';
import type { HospitalInfo } from '../api/generated/models/hospital-info';
import { SystemService } from '../api/generated/services/system.service';

@Injectable({ providedIn: 'root' })
export class HospitalService {
  private readonly system = inject(SystemService);
  readonly info = signal<HospitalInfo | null>(null);
  readonly unreachable = signal(false);

  load(): void {
    this.system.getHospitalInfo().subscribe({
      next: (h) => {
        this.info.set(h);
        this.unreachable.set(false);
      },
      error: () => this.unreachable.set(true),
    });
  }
}
