// Text messages to doctors' registered phones. Twilio when configured; otherwise a local sink
// (development and tests): one JSON line per message appended to <gateway data dir>/sms-sink.jsonl,
// which tests and the dev-only endpoint GET /dev/sms read. The sink is refused in production.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CodedError } from '@ehr/common';
import type { TwilioConfig } from '../config/config';

export interface SmsSender {
  readonly kind: 'twilio' | 'sink';
  send(to: string, body: string): Promise<void>;
}

export interface SinkMessage {
  to: string;
  body: string;
  at: string;
}

export class SmsSink implements SmsSender {
  readonly kind = 'sink';
  constructor(readonly file: string) {}

  async send(to: string, body: string): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const line: SinkMessage = { to, body, at: new Date().toISOString() };
    await appendFile(this.file, JSON.stringify(line) + '\n', { mode: 0o600 });
  }

  /** Messages sent to `to` (all when omitted), oldest first. */
  async messages(to?: string): Promise<SinkMessage[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SinkMessage)
      .filter((m) => !to || m.to === to);
  }
}

export class TwilioSms implements SmsSender {
  readonly kind = 'twilio';
  private client: Promise<import('twilio').Twilio> | undefined;
  constructor(private readonly cfg: TwilioConfig) {}

  async send(to: string, body: string): Promise<void> {
    // Loaded on first use: the SDK is large and unused in development.
    this.client ??= import('twilio').then((m) =>
      m.default(this.cfg.accountSid, this.cfg.authToken),
    );
    try {
      await (await this.client).messages.create({ to, from: this.cfg.fromNumber, body });
    } catch {
      // The SDK's error may echo the request; never log the message body (it holds the code).
      throw new CodedError('SMS_UNAVAILABLE');
    }
  }
}

export function smsSender(twilio: TwilioConfig | undefined, sinkFile: string): SmsSender {
  return twilio ? new TwilioSms(twilio) : new SmsSink(sinkFile);
}
