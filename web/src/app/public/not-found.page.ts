import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'ehr-not-found',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div class="page">
    <h1>Page not found</h1>
    <p>This address does not exist in the portal. <a routerLink="/">Go to the start page</a>.</p>
  </div>`,
})
export class NotFoundPage {}
