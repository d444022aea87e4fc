// Browser end-to-end test of the registry, in headless Chromium:
// a provider logs in, registers a system from a profile and files it with the
// EU; an EU reviewer logs in and approves it; the public finds it on the
// register, in English and in Chinese.
//
//   node registry.mjs BASE_URL PROVIDER_TOKEN REVIEWER_TOKEN PROFILE_FILE
//
// Chromium: $ACCORD_CHROMIUM, else /usr/bin/chromium (Debian's package).
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [base, providerToken, reviewerToken, profileFile] = process.argv.slice(2);
if (!reviewerToken || !profileFile) {
  console.error("usage: node registry.mjs BASE_URL PROVIDER_TOKEN REVIEWER_TOKEN PROFILE_FILE");
  process.exit(2);
}
const profile = readFileSync(profileFile, "utf8");
const systemName = /^name:\s*(.+)$/m.exec(profile)[1].trim();

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
  console.log(`ok - ${message}`);
}

const browser = await chromium.launch({
  executablePath: process.env.ACCORD_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  // Each role in its own browser context: separate cookies.
  const provider = await (await browser.newContext()).newPage();
  await provider.goto(`${base}/login`);
  await provider.fill("form#login input[name=token]", providerToken);
  await Promise.all([provider.waitForURL(`${base}/`), provider.click("form#login [type=submit]")]);

  await provider.goto(`${base}/systems/new`);
  await provider.fill("form#new-system textarea[name=profile]", profile);
  await Promise.all([
    provider.waitForURL(/\/systems\/\d+$/),
    provider.click("form#new-system [type=submit]"),
  ]);
  const systemUrl = provider.url();
  check((await provider.textContent("h1")).includes(systemName), `system page shows ${systemName}`);
  check((await provider.content()).includes("eu.high-risk"), "system page shows the EU classification");

  const jurisdiction = provider.locator("form#file [name=jurisdiction]");
  if ((await jurisdiction.evaluate((e) => e.tagName)) === "SELECT") {
    await jurisdiction.selectOption("EU");
  } else {
    await jurisdiction.fill("EU");
  }
  await Promise.all([provider.waitForURL(/\/filings\/\d+$/), provider.click("form#file [type=submit]")]);
  const filingUrl = provider.url();
  check((await provider.content()).includes("submitted"), "the filing is submitted");
  check(
    (await provider.locator("form.transition").count()) === 0,
    "the provider is offered no review action on its own filing",
  );

  // Not on the register before approval.
  const publicPage = await (await browser.newContext()).newPage();
  await publicPage.goto(`${base}/register`);
  check(!(await publicPage.content()).includes(systemName), "not on the public register before approval");

  const reviewer = await (await browser.newContext()).newPage();
  await reviewer.goto(`${base}/login`);
  await reviewer.fill("form#login input[name=token]", reviewerToken);
  await Promise.all([reviewer.waitForURL(`${base}/`), reviewer.click("form#login [type=submit]")]);
  await reviewer.goto(`${base}/filings`);
  check((await reviewer.content()).includes(systemName), "the filing is in the EU reviewer's queue");
  await reviewer.goto(filingUrl);
  const approve = reviewer.locator('form.transition:has(button[data-to="approved"])');
  check((await approve.count()) === 1, "the reviewer may approve");
  await approve.locator("textarea[name=comment]").fill("Meets the filing requirements. 符合备案要求。");
  await Promise.all([reviewer.waitForURL(filingUrl), approve.locator("button[data-to=approved]").click()]);
  check((await reviewer.content()).includes("approved"), "the filing is approved");
  check((await reviewer.content()).includes("符合备案要求"), "the comment is in the history");

  await publicPage.goto(`${base}/register`);
  const row = publicPage.locator("table#register tr", { hasText: systemName });
  check((await row.count()) === 1, "the system is on the public register");
  check((await row.textContent()).includes("EU"), "with its jurisdiction");
  await publicPage.goto(`${base}/register?lang=zh`);
  check((await publicPage.getAttribute("html", "lang")).startsWith("zh"), "the register renders in Chinese");
  check((await publicPage.content()).includes(systemName), "and still lists the system");
  // The public cannot open the system page.
  const response = await publicPage.goto(systemUrl);
  check(response.status() >= 300 || !(await publicPage.content()).includes("eu.high-risk"),
    "the public cannot see the system's page");
  console.log("all checks passed");
} finally {
  await browser.close();
}
