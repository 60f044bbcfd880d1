// Opening a record's file: the gateway logs the read on the ledger, decrypts and streams it; the
// portal saves it under the file name the gateway gives. Refusals (revoked, expired, no access)
// come back as coded errors and are shown in words.
import { HttpResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { DownloadRecordContent$Params } from '../api/generated/fn/records/download-record-content';
import { RecordsService } from '../api/generated/services/records.service';
import { type ShownError, describeErrorAsync } from '../core/api-error';

export type ReadPurpose = NonNullable<DownloadRecordContent$Params['purpose']>;

function fileNameFrom(res: HttpResponse<Blob>, fallback: string): string {
  const cd = res.headers.get('Content-Disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain?.[1] ?? fallback;
}

@Injectable({ providedIn: 'root' })
export class RecordFilesService {
  private readonly records = inject(RecordsService);

  /** Downloads the file; resolves to null on success or the error to show. */
  async download(recordId: string, purpose: ReadPurpose): Promise<ShownError | null> {
    try {
      const res = await firstValueFrom(
        this.records.downloadRecordContent$Response({ recordId, purpose }),
      );
      const url = URL.createObjectURL(res.body);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileNameFrom(res, `record-${recordId}`);
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return null;
    } catch (e) {
      return describeErrorAsync(e);
    }
  }
}
