// The doctor's remark where records are listed, in a real DOM: nothing for no remark, a short
// remark whole, a long one as a preview whose whole text is one click away through a disclosure
// button a screen reader announces (expanded or not, and which text it opens), and the tooltip.
import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { REMARK_PREVIEW, RemarkComponent, remarkPreview } from '../src/app/shared/remark.component';
import { settle } from './support/render';

describe('remarkPreview', () => {
  it('keeps a remark that fits, on one line', () => {
    expect(remarkPreview('Blood test,\n  all values normal')).toEqual({
      text: 'Blood test, all values normal',
      cut: false,
    });
    expect(remarkPreview('x'.repeat(REMARK_PREVIEW)).cut).toBe(false);
  });

  it('cuts a long remark at a word boundary within the limit, with an ellipsis', () => {
    const text =
      'Follow-up in two weeks; repeat the blood count and check the potassium level again';
    const p = remarkPreview(text, 40);
    expect(p.cut).toBe(true);
    expect(p.text).toBe('Follow-up in two weeks; repeat the…');
    expect(p.text.length).toBeLessThanOrEqual(40);
    expect(text.startsWith(p.text.slice(0, -1))).toBe(true);
  });

  it('cuts inside a very long word rather than leaving a stub', () => {
    const p = remarkPreview(`ok ${'a'.repeat(100)}`, 20);
    expect(p).toEqual({ text: `ok ${'a'.repeat(16)}…`, cut: true });
    expect(p.text.length).toBe(20);
  });
});

@Component({
  imports: [RemarkComponent],
  template: `<ehr-remark [text]="text()" />`,
})
class Host {
  readonly text = signal<string | undefined>(undefined);
}

describe('<ehr-remark>', () => {
  async function render(text: string | undefined) {
    const fixture = TestBed.createComponent(Host);
    fixture.componentInstance.text.set(text);
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  const shown = (el: HTMLElement) => el.querySelector('[data-testid="remark"]');

  it('shows nothing when there is no remark', async () => {
    for (const text of [undefined, '', '   ']) {
      const { el } = await render(text);
      expect(shown(el)).toBeNull();
      expect(el.querySelector('button')).toBeNull();
    }
  });

  it('shows a short remark whole, with no button and no tooltip', async () => {
    const { el } = await render('Blood test, all values normal');
    expect(shown(el)?.textContent).toBe('Blood test, all values normal');
    expect(shown(el)?.getAttribute('title')).toBeNull();
    expect(el.querySelector('button')).toBeNull();
  });

  it('shows a long remark as a preview; the button opens and closes the whole text', async () => {
    const long = `Discussed the results with the patient. ${'Continue the current dose. '.repeat(6)}Next visit in June.`;
    const { fixture, el } = await render(long);
    const text = shown(el)!;
    const button = el.querySelector('button')!;
    expect(text.textContent).toBe(remarkPreview(long).text);
    expect(text.textContent!.endsWith('…')).toBe(true);
    expect(text.getAttribute('title')).toBe(long.trim());
    // The button names what it does, says it is closed and which text it controls.
    expect(button.textContent!.replace(/\s+/g, ' ').trim()).toBe('Show all of the remark');
    expect(button.getAttribute('type')).toBe('button');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(button.getAttribute('aria-controls')).toBe(text.id);
    expect(text.id).toMatch(/^ehr-remark-\d+$/);

    button.click();
    await settle(fixture);
    expect(text.textContent).toBe(long.trim());
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(button.textContent!.replace(/\s+/g, ' ').trim()).toBe('Show less of the remark');

    button.click();
    await settle(fixture);
    expect(text.textContent).toBe(remarkPreview(long).text);
    expect(button.getAttribute('aria-expanded')).toBe('false');
  });

  it('gives every remark on a page its own id', async () => {
    const a = await render('x '.repeat(100));
    const b = await render('y '.repeat(100));
    expect(shown(a.el)!.id).not.toBe(shown(b.el)!.id);
  });
});
