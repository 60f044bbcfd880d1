// Steps several tests share, done through the portal like a person would.
import type { Page } from 'playwright-core';
import { type Login, type Portal, solveCaptcha } from './portal';

export async function signUpPatient(
  page: Page,
  p: Portal,
  username: string,
  password: string,
): Promise<Login> {
  await page.goto(p.url('/signup/patient'));
  await page.getByLabel('Full name').fill(`Patient ${username}`);
  await page.getByLabel('Address').fill('1 Test Street, Testville');
  await page.getByLabel('Mobile phone').fill('+4915112345678');
  await page.getByLabel('E-mail').fill(`${username}@example.org`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').fill(password);
  await solveCaptcha(page, p);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Your account ${username} is ready`).waitFor();
  return { role: 'patient', username, password };
}

/** On the admin's "Assign doctors" page: picks an account in one of the two pickers. */
export async function pick(
  page: Page,
  role: 'patient' | 'doctor',
  username: string,
): Promise<void> {
  await page.getByLabel(`Search ${role}s`).fill(username);
  const select = page.getByTestId(`${role}-select`);
  // The list follows the search (debounced): wait until the account is offered.
  await page.waitForResponse(
    (r) => r.url().includes('/admin/users') && r.url().includes(`q=${username}`),
  );
  await select.click();
  await page.getByRole('option', { name: new RegExp(`\\(${username}\\)`) }).click();
}
