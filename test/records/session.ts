// A logged-in person at a test gateway, over real HTTP: cookie, CSRF token, raw bodies (for
// multipart uploads and binary downloads).
export interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions read the parsed body freely
  json: any;
}

export class Session {
  private cookie = '';
  private csrf = '';

  constructor(readonly base: string) {}

  async request(
    method: string,
    path: string,
    opts: {
      json?: unknown;
      form?: FormData;
      stream?: AsyncIterable<Uint8Array>;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (method !== 'GET' && this.csrf) headers['x-csrf-token'] = this.csrf;
    let body: string | FormData | ReadableStream | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) body = opts.form;
    else if (opts.stream) body = ReadableStream.from(opts.stream);
    const res = await fetch(new URL(path, this.base), {
      method,
      headers,
      body,
      ...(opts.stream ? { duplex: 'half' } : {}),
    } as RequestInit);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('ehr.sid='));
    if (set) this.cookie = set.split(';')[0]!;
    const bytes = Buffer.from(await res.arrayBuffer());
    let json: unknown;
    try {
      json = bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, bytes, json };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  async login(role: string, username: string, password: string): Promise<this> {
    this.csrf = (await this.get('/auth/csrf')).json.csrfToken;
    const captcha = (await this.get('/auth/captcha')).json;
    const answer = (await this.get(`/dev/captcha/${captcha.captchaId}`)).json.answer;
    const r = await this.request('POST', '/auth/login', {
      json: { role, username, password, captchaId: captcha.captchaId, captchaAnswer: answer },
    });
    if (r.status !== 200)
      throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.json)}`);
    this.csrf = r.json.csrfToken;
    return this;
  }

  /**
   * POST /patients/{id}/records whose multipart body the test sends itself: the fields and the
   * file's first part, then — once `resume` resolves — the rest of the file.
   */
  uploadInTwoParts(patientId: string, file: Buffer, split: number, resume: Promise<unknown>) {
    const boundary = `test-${Date.now()}`;
    async function* body(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nreport\r\n`,
      );
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="report.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      );
      yield file.subarray(0, split);
      await resume;
      yield file.subarray(split);
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    return this.request('POST', `/patients/${encodeURIComponent(patientId)}/records`, {
      stream: body(),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
  }

  /** POST /patients/{id}/records with a file and fields (fields first, as the API asks). */
  upload(
    patientId: string,
    file: Buffer,
    opts: {
      type?: string;
      name?: string;
      category?: string;
      remark?: string;
      idempotencyKey?: string;
    } = {},
  ) {
    const form = new FormData();
    form.append('category', opts.category ?? 'report');
    if (opts.remark) form.append('remark', opts.remark);
    form.append(
      'file',
      new Blob([new Uint8Array(file)], { type: opts.type ?? 'application/pdf' }),
      opts.name ?? 'report.pdf',
    );
    return this.request('POST', `/patients/${encodeURIComponent(patientId)}/records`, {
      form,
      headers: opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {},
    });
  }
}
