// Every browser tab title names the page and the hospital ("My records · Hospital 1").
import { Injectable, effect, inject, signal } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { type RouterStateSnapshot, TitleStrategy } from '@angular/router';
import { HospitalService } from './hospital.service';

@Injectable({ providedIn: 'root' })
export class HospitalTitleStrategy extends TitleStrategy {
  private readonly page = signal('');

  constructor() {
    super();
    const title = inject(Title);
    const hospital = inject(HospitalService);
    effect(() => {
      const name = hospital.info()?.displayName ?? 'Hospital portal';
      const page = this.page();
      title.setTitle(page ? `${page} · ${name}` : name);
    });
  }

  override updateTitle(snapshot: RouterStateSnapshot): void {
    this.page.set(this.buildTitle(snapshot) ?? '');
  }
}
