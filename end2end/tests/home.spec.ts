import { test, expect } from '@playwright/test';

test('the home page is server-rendered, then hydrates and reacts to a click', async ({ page }, testInfo) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);

  // Server-rendered content is there at once.
  await expect(page.getByRole('heading', { name: 'Welcome to Berth' })).toBeVisible();
  const commands = page.getByTestId('quick-start-commands');
  await expect(commands).toContainText('docker login');

  // The WebAssembly takes over the page...
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  // ...and a click is handled by it: the commands switch to podman.
  const podman = page.getByRole('tab', { name: 'Podman' });
  await expect(podman).toHaveAttribute('aria-selected', 'false');
  await podman.click();
  await expect(podman).toHaveAttribute('aria-selected', 'true');
  await expect(commands).toContainText('podman login');
  await expect(commands).not.toContainText('docker login');

  await page.screenshot({ path: testInfo.outputPath('home.png'), fullPage: true });
});

test('an unknown page answers 404 with the not-found page', async ({ page }, testInfo) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: '404: Page not found' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('not-found.png') });
});

test('health and readiness answer', async ({ request }) => {
  const health = await request.get('/-/health');
  expect(health.status()).toBe(200);
  const ready = await request.get('/-/ready');
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ok', database: 'ok' });
});
