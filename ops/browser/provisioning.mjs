// Page tests of the provisioning plane, the back office's sign-in and the
// tenant portal (a canteen registration filed with the keyboard only),
// in a real headless browser (Debian's Chromium, driven by Playwright), with
// an automated accessibility check (axe-core, WCAG 2 A and AA) on each page.
// The pages' Content-Security-Policy stays in force, as in people's browsers:
// axe is injected through the debugging protocol, and any CSP violation,
// script error or console error fails the scenario.
//
//   node ops/browser/provisioning.mjs <provisioning base URL> <public base URL>
//
// Against a server started on the data of `guichet demo`. Prints what it
// checks; exits 1 with a clear message on the first failure of the scenario,
// or at the end when axe found violations (all pages are checked first).
// Tests/tests/browser.rs runs it; ops/test-services.sh installs its tools.

import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = require('axe-core').source;

const CHROMIUM = process.env.GUICHET_CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 30_000;
// Within a step, each wait gives up sooner: its own message names what it waited for.
const ACTION_TIMEOUT = 20_000;
const PASSWORD = 'demo-guichet-2026';

const [provisioningArg, publicArg] = process.argv.slice(2);
if (!provisioningArg || !publicArg) {
  console.error('usage : node ops/browser/provisioning.mjs <URL du provisioning> <URL publique>');
  process.exit(2);
}
const provisioning = new URL(provisioningArg);
const publicBase = new URL(publicArg);
// Chromium resolves every *.localhost name to loopback by itself: the
// collectivité is found by its host name, as in production.
const portal = new URL(`http://demo.localhost:${publicBase.port || 80}/`);

class Failure extends Error {}

function fail(message) {
  throw new Failure(message);
}

function expect(condition, message) {
  if (!condition) fail(message);
}

/** Accessibility violations found so far, reported together at the end. */
const violations = [];
/** Answers 5xx, script errors, console errors and CSP violations seen: each fails the scenario even when the page looks fine. */
const serverErrors = [];
let checks = 0;
/** What the scenario is doing, said when a step runs out of time. */
let doing = 'rien encore';

function now(what) {
  doing = what;
}

function ok(what) {
  checks += 1;
  console.log(`  ok  ${what}`);
}

/** Runs one step, within its own time limit. */
async function step(name, body) {
  console.log(`• ${name}`);
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Failure(`délai de ${STEP_TIMEOUT / 1000} s dépassé pendant : ${doing}`)),
      STEP_TIMEOUT,
    );
  });
  try {
    await Promise.race([body(), limit]);
  } catch (e) {
    e.step = name;
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (serverErrors.length > 0) {
    const e = new Failure(`erreur du serveur : ${serverErrors.join(' ; ')}`);
    e.step = name;
    throw e;
  }
}

function pathOf(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

/** Opens a URL; fails unless the final answer has the expected status. */
async function open(page, url, status = 200) {
  now(`ouverture de ${url} (statut ${status} attendu)`);
  const response = await page.goto(url.toString(), { waitUntil: 'load' });
  expect(response, `aucune réponse pour ${url}`);
  expect(
    response.status() === status,
    `${url} : statut ${response.status()}, attendu ${status}`,
  );
  ok(`${url} répond ${status}`);
  return response;
}

/**
 * Clicks what leads to another page (a link, a submit button) and waits for
 * that page: the final answer (after redirects), its commit, its load.
 */
async function follow(page, locator, status = 200) {
  now(`attente de ${locator} sur ${pathOf(page)}`);
  await locator.first().waitFor({ timeout: ACTION_TIMEOUT }).catch(() => {});
  const found = await locator.count();
  expect(found === 1, `${found} élément(s) pour ${locator} sur ${pathOf(page)}, 1 attendu`);
  now(`clic sur ${locator} puis attente de la page suivante (statut ${status} attendu)`);
  const mainFrame = page.mainFrame();
  const response = page.waitForResponse((r) => {
    const s = r.status();
    return r.request().isNavigationRequest() && r.frame() === mainFrame && (s < 300 || s >= 400);
  });
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === mainFrame });
  await locator.click();
  const [answer] = await Promise.all([response, navigated]);
  await page.waitForLoadState('load');
  expect(
    answer.status() === status,
    `${answer.request().method()} ${answer.url()} : statut ${answer.status()}, attendu ${status}`,
  );
  return answer;
}

async function expectPath(page, path) {
  expect(pathOf(page) === path, `adresse ${pathOf(page)}, attendue ${path}`);
  ok(`page ${path}`);
}

async function expectHeading(page, text) {
  now(`lecture du titre de ${pathOf(page)} (« ${text} » attendu)`);
  const h1 = page.getByRole('heading', { level: 1 });
  const found = (await h1.textContent())?.trim();
  expect(found === text, `titre « ${found} », attendu « ${text} »`);
  ok(`titre « ${text} »`);
}

/**
 * axe-core on the page as it is: every WCAG 2 A and AA violation is kept.
 * Injected through the debugging protocol, which the page's CSP does not
 * govern: the page itself still allows no inline script.
 */
async function accessible(page, label) {
  now(`vérification d’accessibilité : ${label}`);
  const title = await page.title();
  expect(!title.includes('Erreur : Erreur'), `${label} : titre « ${title} »`);
  expect(!/\(s\)/.test(await page.locator('main').textContent()), `${label} : un pluriel écrit « (s) »`);
  const cdp = await page.context().newCDPSession(page);
  try {
    const injected = await cdp.send('Runtime.evaluate', { expression: axeSource });
    expect(!injected.exceptionDetails, `axe ne s’injecte pas : ${JSON.stringify(injected.exceptionDetails)}`);
  } finally {
    await cdp.detach();
  }
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }),
  );
  if (results.violations.length === 0) {
    ok(`accessibilité (axe, WCAG 2 A et AA, ${results.passes.length} règles vérifiées) : ${label}`);
    return;
  }
  for (const v of results.violations) {
    const targets = v.nodes.map((n) => n.target.join(' ')).join(', ');
    violations.push({ page: `${label} (${page.url()})`, id: v.id, help: v.help, impact: v.impact, targets, nodes: v.nodes });
    console.log(`  NON ${label} : ${v.id} (${v.impact}) — ${v.help} — ${targets}`);
    for (const n of v.nodes) {
      if (n.failureSummary) console.log(`        ${n.failureSummary.replace(/\n/g, '\n        ')}`);
    }
  }
}

async function signIn(page, login) {
  await page.getByLabel('Identifiant', { exact: true }).fill(login);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await follow(page, page.getByRole('button', { name: 'Se connecter' }));
  ok(`connexion de ${login}`);
}

async function signOut(page) {
  await follow(page, page.getByRole('button', { name: 'Se déconnecter' }));
  await expectPath(page, '/connexion');
  ok('déconnexion');
}

/** The main content's links, by their exact accessible name. */
function mainLink(page, name) {
  return page.getByRole('main').getByRole('link', { name, exact: true });
}

async function scenario(page) {
  const at = (path) => new URL(path, provisioning);

  await step('Page de connexion', async () => {
    await open(page, at('/connexion'));
    await expectHeading(page, 'Connexion à l’administration de Guichet');
    await accessible(page, 'connexion');
  });

  await step('Connexion de l’administrateur du référentiel camille.martin@demo', async () => {
    await signIn(page, 'camille.martin@demo');
    await expectPath(page, '/collectivites/demo');
    await expectHeading(page, 'Ville de Démo');
    await accessible(page, 'page de la collectivité');
  });

  await step('Liste des agents', async () => {
    await follow(page, mainLink(page, 'Agents'));
    await expectPath(page, '/collectivites/demo/agents');
    await expectHeading(page, 'Agents');
    await accessible(page, 'liste des agents');
  });

  await step('Formulaire « Ajouter un agent » envoyé vide', async () => {
    await follow(page, mainLink(page, 'Ajouter un agent'));
    await expectPath(page, '/collectivites/demo/agents/nouveau');
    await expectHeading(page, 'Ajouter un agent');
    await accessible(page, 'formulaire d’ajout d’un agent');

    // A refused form answers 400, with the form again.
    await follow(page, page.getByRole('button', { name: 'Créer l’agent' }), 400);
    await expectHeading(page, 'Ajouter un agent');
    const summary = page.getByRole('alert');
    expect((await summary.count()) === 1, `un seul résumé des erreurs (role=alert) attendu, ${await summary.count()} trouvé(s)`);
    const summaryText = (await summary.textContent()).replace(/\s+/g, ' ').trim();
    ok(`résumé des erreurs : « ${summaryText} »`);
    const links = await summary.getByRole('link').evaluateAll((as) =>
      as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })),
    );
    expect(links.length >= 3, `au moins 3 liens vers les champs manquants attendus : ${JSON.stringify(links)}`);
    const targets = [];
    for (const { href, text } of links) {
      expect(/^#[A-Za-z][\w-]*$/.test(href), `lien « ${text} » : href="${href}" n’est pas une ancre de champ`);
      const id = href.slice(1);
      const field = page.locator(`[id="${id}"]`);
      expect((await field.count()) === 1, `lien « ${text} » : aucun élément d’id « ${id} »`);
      const invalid = await field.getAttribute('aria-invalid');
      expect(invalid === 'true', `champ #${id} : aria-invalid="${invalid}", attendu "true"`);
      // The field's error message is announced with it: on the field, or on
      // the fieldset of a group of checkboxes.
      const announced = await field.evaluate((el) => {
        const holder = el.type === 'checkbox' ? el.closest('fieldset[aria-describedby]') || el : el;
        const ids = (holder.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
        return ids.some((i) => i.endsWith('-erreur') && document.getElementById(i)?.textContent.trim());
      });
      expect(announced, `champ #${id} : son message d’erreur n’est pas relié par aria-describedby`);
      targets.push(id);
      ok(`lien « ${text} » → #${id}, aria-invalid="true", erreur annoncée`);
    }
    for (const id of ['first-name', 'last-name', 'email']) {
      expect(targets.includes(id), `le résumé ne mène pas au champ #${id} : ${targets.join(', ')}`);
    }
    ok('prénom, nom et adresse électronique signalés manquants');
    await accessible(page, 'formulaire d’ajout d’un agent avec erreurs');
  });

  await step('Création de l’agent Éloïse d’Aubigné', async () => {
    await page.getByLabel('Prénom', { exact: true }).fill('Éloïse');
    await page.getByLabel('Nom', { exact: true }).fill('d’Aubigné');
    await page.getByLabel('Adresse électronique', { exact: true }).fill('eloise.daubigne@demo.example');
    await page.getByLabel('Rôle dans l’espace des agents', { exact: true }).selectOption('manager');
    await page.getByLabel(/^Mot de passe/).fill('un mot de passe bien long');
    await follow(page, page.getByRole('button', { name: 'Créer l’agent' }));
    await expectPath(page, '/collectivites/demo/agents');
    const notice = (await page.getByRole('status').textContent()).trim();
    expect(notice.includes('« eloise.daubigne »'), `message après la création : « ${notice} »`);
    ok(`message : « ${notice} »`);
    const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'eloise.daubigne', exact: true }) });
    expect((await row.count()) === 1, 'la liste des agents ne montre pas l’identifiant eloise.daubigne');
    const rowText = (await row.textContent()).replace(/\s+/g, ' ');
    expect((await row.getByRole('cell', { name: 'responsable', exact: true }).count()) === 1, `rôle absent de la ligne : ${rowText}`);
    ok('la liste montre eloise.daubigne, responsable dans l’espace des agents');
    await accessible(page, 'liste des agents après création');
  });

  await step('Catégories de téléservices', async () => {
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Catégories', exact: true }));
    await expectPath(page, '/collectivites/demo/categories');
    await expectHeading(page, 'Catégories de téléservices');
    await accessible(page, 'catégories');
    await follow(page, page.getByRole('main').getByRole('link', { name: /Enfance et scolarité/ }));
    expect(/^\/collectivites\/demo\/categories\/\d+$/.test(pathOf(page)), `adresse ${pathOf(page)}`);
    await expectHeading(page, 'Catégorie « Enfance et scolarité »');
    await accessible(page, 'catégorie « Enfance et scolarité »');
  });

  await step('Journal des modifications', async () => {
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Journal', exact: true }));
    await expectPath(page, '/collectivites/demo/journal');
    await expectHeading(page, 'Journal des modifications');
    const row = page
      .getByRole('row')
      .filter({ hasText: 'création d’un agent' })
      .filter({ hasText: 'agent eloise.daubigne' });
    expect((await row.count()) >= 1, 'le journal ne montre pas la création de l’agent eloise.daubigne');
    const rowText = (await row.first().textContent()).replace(/\s+/g, ' ');
    expect(rowText.includes('camille.martin'), `l’auteur n’est pas camille.martin : ${rowText}`);
    ok('le journal montre la création de l’agent eloise.daubigne par camille.martin');
    await accessible(page, 'journal');
  });

  await step('Déconnexion, puis connexion du super-administrateur demo-admin', async () => {
    await signOut(page);
    await signIn(page, 'demo-admin');
    await expectPath(page, '/');
    await expectHeading(page, 'Collectivités');
    const link = page.getByRole('table').getByRole('link', { name: 'Ville de Démo', exact: true });
    expect((await link.count()) === 1, 'la liste des collectivités ne montre pas « Ville de Démo »');
    ok('la liste des collectivités montre « Ville de Démo »');
    await accessible(page, 'liste des collectivités');
    await follow(page, mainLink(page, 'Inscrire une nouvelle collectivité'));
    await expectPath(page, '/collectivites/nouvelle');
    await accessible(page, 'formulaire d’inscription d’une collectivité');
  });

  await step('Le super-administrateur inscrit « Ville Deux », comme un navigateur l’envoie', async () => {
    // The textareas' lines go as CRLF; its own ville2.localhost listed; the SIRET of the hint.
    await typeInto(page, 'Identifiant court', 'ville2');
    await typeInto(page, 'Nom de la collectivité', 'Ville Deux');
    await page.getByLabel(/^Adresses web/).fill('ville2.localhost\ndemarches.ville2.example');
    await page.getByLabel(/^Adresse postale/).fill('Hôtel de ville\n1 place du Marché\n13002 Ville-Deux');
    await page.getByLabel(/^Adresse électronique de contact/).fill('mairie@ville2.example');
    const hint = (await page.locator('#siret-aide').textContent()).match(/\d{3} \d{3} \d{3} \d{5}/)[0];
    await page.getByLabel(/^Numéro SIRET/).fill(hint);
    const admin = page.getByRole('group', { name: 'Le premier administrateur' });
    await admin.getByLabel('Prénom', { exact: true }).fill('Nora');
    await admin.getByLabel('Nom', { exact: true }).fill('Lambert');
    await admin.getByLabel('Adresse électronique', { exact: true }).fill('nora.lambert@ville2.example');
    await admin.getByLabel(/^Mot de passe/).fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Inscrire la collectivité' }));
    await expectPath(page, '/collectivites/ville2');
    const notice = (await page.getByRole('status').textContent()).replace(/\s+/g, ' ');
    expect(notice.includes('nora.lambert') && notice.includes('/backoffice'), `message : « ${notice} »`);
    ok(`collectivité inscrite, l’adresse en trois lignes et le SIRET de l’aide acceptés : « ${notice.trim()} »`);
    await accessible(page, 'collectivité inscrite');
  });

  await step(`Portail des usagers (${portal.host})`, async () => {
    await open(page, portal);
    const title = (await page.getByRole('heading', { level: 1 }).textContent()).trim();
    expect(title.includes('Ville de Démo'), `titre du portail : « ${title} »`);
    ok(`titre « ${title} »`);
    await accessible(page, 'accueil du portail');
    await open(page, new URL('/backoffice/', portal));
    await expectPath(page, '/backoffice/connexion');
    await accessible(page, 'connexion des agents');
  });

  await step('Connexion d’un agent à l’espace des agents, au clavier', async () => {
    // Keyboard only: the fields are reached with Tab, the form sent with Enter.
    await page.getByLabel('Identifiant', { exact: true }).focus();
    await page.keyboard.type('camille.martin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    const mainFrame = page.mainFrame();
    const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === mainFrame });
    await page.keyboard.press('Enter');
    await navigated;
    await page.waitForLoadState('load');
    await expectPath(page, '/backoffice/');
    await expectHeading(page, 'Tableau de bord');
    await accessible(page, 'tableau de bord des agents');
    await reflows(page, 'tableau de bord des agents');
  });

  // The request opened by the agent, previewed later in a courrier type.
  await step('Recherche de demandes, au clavier', async () => {
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Demandes', exact: true }));
    await expectHeading(page, 'Rechercher des demandes');
    await accessible(page, 'recherche de demandes');
    // A wrong number: the page says what to type, the summary links to the field.
    await page.goto(new URL('/backoffice/demandes?numero=douze', page.url()).toString());
    expect(
      (await page.getByRole('alert').textContent()).includes('Indiquez un numéro de demande'),
      'message d’erreur du numéro',
    );
    await accessible(page, 'recherche en erreur');
    // By name, typed and sent with Enter: the URL keeps the search.
    await page.getByLabel('Numéro de demande (facultatif)', { exact: true }).fill('');
    await typeInto(page, 'Nom du demandeur ou de l’enfant (facultatif)', 'durand');
    await enter(page);
    expect(pathOf(page).includes('nom=durand'), `adresse ${pathOf(page)}`);
    const found = (await page.getByRole('heading', { level: 2 }).last().textContent()).trim();
    expect(/demandes? trouvées?/.test(found), `résultat : « ${found} »`);
    ok(`recherche par nom : « ${found} »`);
    await accessible(page, 'résultats de recherche');
  });

  await step('Une demande ouverte et traitée au clavier : état, justificatif, données', async () => {
    // The oldest request found: opened to read it, nobody holds it; « Traiter »
    // makes it the agent's.
    await follow(page, page.getByRole('main').getByRole('table').getByRole('link').first());
    expect(
      (await page.locator('main').textContent()).includes('Personne ne traite cette demande'),
      'la demande lue n’est pas verrouillée',
    );
    await accessible(page, 'demande lue par un agent');
    await page.getByRole('button', { name: 'Traiter cette demande' }).focus();
    await enter(page);
    expect(
      (await page.locator('main').textContent()).includes('Vous traitez cette demande depuis le'),
      'la demande est verrouillée pour l’agent qui la traite',
    );
    ok('demande réservée au clavier avec « Traiter cette demande »');
    await accessible(page, 'demande ouverte par un agent');
    await reflows(page, 'demande ouverte par un agent');
    // Its justificatif beside its data on a wide screen, its first page shown.
    const viewer = page.locator('#visionneuse');
    expect((await viewer.count()) === 1, 'la visionneuse des justificatifs manque');
    const [data, aside] = await Promise.all([
      page.locator('.case-main').boundingBox(),
      page.locator('.case-aside').boundingBox(),
    ]);
    expect(aside.x > data.x + data.width - 1 && aside.y < data.y + 200, `justificatifs à côté des données : ${JSON.stringify({ data, aside })}`);
    const shown = viewer.locator('img, iframe');
    const src = await shown.getAttribute('src');
    const framed = await page.evaluate(async (url) => {
      const r = await fetch(url);
      return [r.status, r.headers.get('content-disposition'), r.headers.get('x-frame-options')];
    }, src);
    expect(framed[0] === 200 && framed[1] === 'inline' && framed[2] === 'SAMEORIGIN', `page du justificatif servie pour la visionneuse : ${framed}`);
    ok(`justificatif à côté des données : « ${(await viewer.locator('figcaption').textContent()).trim()} »`);
    requestNumber = (await page.getByRole('heading', { level: 1 }).textContent()).match(/n° (\d+)/)[1];
    // A transition with the keyboard only: the radio with Space, the button with Enter.
    await page.getByRole('radio').first().focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Changer l’état' }).focus();
    await enter(page);
    const status = (await page.getByRole('status').first().textContent()).trim();
    expect(status.includes('L’état de la demande est changé'), `message « ${status} »`);
    ok(`changement d’état au clavier : « ${status} »`);
    await accessible(page, 'demande après un changement d’état');
    // Its justificatif reviewed: valid until a date, sent with the keyboard.
    await page.getByLabel('État du document', { exact: true }).selectOption('Validated');
    await page.getByLabel('Valable jusqu’au (vide : sans limite)', { exact: true }).fill('2030-06-30');
    await page.getByRole('button', { name: 'Enregistrer la vérification' }).focus();
    await enter(page);
    const reviewed = (await page.getByRole('status').first().textContent()).trim();
    expect(reviewed.includes('Le justificatif est enregistré'), `message « ${reviewed} »`);
    expect(
      (await page.locator('main').textContent()).includes('valable jusqu’au 30 juin 2030'),
      'la fin de validité du justificatif est affichée',
    );
    ok(`justificatif vérifié au clavier : « ${reviewed} »`);
    await accessible(page, 'demande avec un justificatif vérifié');
    // Its data found valid, with the keyboard.
    await page.getByRole('button', { name: 'Données vérifiées' }).focus();
    await enter(page);
    const checked = (await page.getByRole('status').first().textContent()).trim();
    expect(checked.includes('La vérification des données est enregistrée'), `message « ${checked} »`);
    ok(`données vérifiées au clavier : « ${checked} »`);
    await accessible(page, 'demande aux données vérifiées');
    // Its data corrected: a step's form, sent unchanged with Enter.
    await follow(page, page.getByRole('navigation', { name: 'Corriger les données' }).getByRole('link').first());
    expect((await page.getByRole('heading', { level: 1 }).textContent()).includes('corriger'), 'page de correction');
    await accessible(page, 'correction des données d’une demande');
    await page.getByRole('button', { name: 'Enregistrer les corrections' }).focus();
    await enter(page);
    const corrected = (await page.getByRole('status').first().textContent()).trim();
    expect(corrected.includes('Les corrections sont enregistrées'), `message « ${corrected} »`);
    ok(`correction des données au clavier : « ${corrected} »`);
  });

  await step('Contacter le demandeur, au clavier', async () => {
    // Contacting the requester: the form, a message missing, then a letter
    // with the canteen's courrier type, by keyboard; its page and its PDF.
    await follow(page, mainLink(page, 'Contacter le demandeur'));
    await expectHeading(page, 'Contacter le demandeur');
    await accessible(page, 'contacter le demandeur');
    await page.getByRole('button', { name: 'Envoyer ou enregistrer le contact' }).focus();
    await enter(page, 400);
    expect((await page.getByRole('alert').count()) >= 1, 'le résumé des erreurs manque');
    await accessible(page, 'contacter le demandeur avec erreurs');
    await page.getByRole('radio', { name: /^Par courrier postal/ }).focus();
    await page.keyboard.press('Space');
    await page.getByLabel('Courrier type (courriel, courrier postal, accueil)', { exact: true })
      .selectOption({ label: 'Confirmation d’inscription' });
    await typeInto(page, 'Message', 'Les repas commencent à la rentrée.');
    await page.getByRole('button', { name: 'Envoyer ou enregistrer le contact' }).focus();
    await enter(page);
    expect(
      (await page.locator('main article').textContent()).includes('Les repas commencent à la rentrée.'),
      'le courrier porte le message de l’agent',
    );
    ok('courrier au demandeur, au clavier, avec son message');
    await accessible(page, 'courrier envoyé au demandeur');
    await reflows(page, 'courrier envoyé au demandeur');
    // Fetched by the page itself (the browser resolves the collectivité's host).
    const [pdfStatus, pdfMagic] = await page.evaluate(async (href) => {
      const r = await fetch(href);
      const head = new Uint8Array(await r.arrayBuffer()).slice(0, 4);
      return [r.status, String.fromCharCode(...head)];
    }, await mainLink(page, 'Le courrier en PDF, à imprimer ou à remettre').getAttribute('href'));
    expect(pdfStatus === 200 && pdfMagic === '%PDF', `le courrier en PDF : ${pdfStatus} ${pdfMagic}`);
    await follow(page, mainLink(page, 'Retour à la demande'));
  });

  await step('Action groupée sur les demandes d’un téléservice', async () => {
    // A batch on the requests of one téléservice: one checked, a note added.
    await open(page, new URL('/backoffice/demandes?teleservice=school-canteen-registration', page.url()));
    await accessible(page, 'recherche avec action groupée');
    await page.getByRole('checkbox').first().focus();
    await page.keyboard.press('Space');
    await typeInto(page, 'Message', 'Vu en commission.');
    await follow(page, page.getByRole('button', { name: 'Ajouter le message aux demandes cochées' }));
    await expectHeading(page, 'Action groupée');
    const outcome = (await page.getByRole('status').textContent()).trim();
    expect(outcome.startsWith('1 demande sur 1 traitée'), `résultat : « ${outcome} »`);
    ok(`action groupée : « ${outcome} »`);
    await accessible(page, 'résultat d’une action groupée');
  });

  await step('Foyers et guichet', async () => {
    // Foyers: searched by name with the keyboard, then one opened.
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Foyers', exact: true }));
    await expectHeading(page, 'Rechercher des foyers');
    await accessible(page, 'recherche de foyers');
    await typeInto(page, 'Nom ou prénom (facultatif)', 'durand');
    await enter(page);
    const people = (await page.getByRole('heading', { level: 2 }).last().textContent()).trim();
    expect(/personnes? trouvées?/.test(people) && !people.startsWith('Aucune'), `résultat : « ${people} »`);
    await accessible(page, 'foyers trouvés');
    await follow(page, page.getByRole('main').getByRole('table').getByRole('link').first());
    expect((await page.getByRole('heading', { level: 1 }).textContent()).startsWith('Foyer n°'), 'page d’un foyer');
    await accessible(page, 'page d’un foyer');
    await reflows(page, 'page d’un foyer');
    // Counter mode: a request started for this foyer, by phone.
    await follow(page, mainLink(page, 'Déposer une demande pour ce foyer'));
    await accessible(page, 'demande déposée au guichet : choix de la démarche');
    await page.getByLabel('Démarche et personne concernée', { exact: true }).selectOption({ index: 1 });
    await press(page, 'Par téléphone');
    await follow(page, page.getByRole('button', { name: 'Commencer la demande' }));
    expect(pathOf(page).includes('/backoffice/guichet/'), `adresse ${pathOf(page)}`);
    await accessible(page, 'demande déposée au guichet : première étape');
    ok('demande commencée pour le foyer, par téléphone');
    // A foyer opened at the counter: the form, then its errors.
    await open(page, new URL('/backoffice/foyers/nouveau', page.url()));
    await accessible(page, 'création d’un foyer au guichet');
    await follow(page, page.getByRole('button', { name: 'Créer le foyer' }), 400);
    expect((await page.getByRole('alert').count()) >= 1, 'le résumé des erreurs manque');
    await accessible(page, 'création d’un foyer au guichet avec erreurs');
    // Then made, for a family without e-mail; its child added at the counter.
    await press(page, 'Madame');
    await typeInto(page, 'Nom', 'Benali');
    await typeInto(page, 'Prénom', 'Nadia');
    await page.getByLabel(/^Téléphone portable/).fill('06 44 55 66 77');
    await page.getByLabel(/^Voie/).fill('rue de la Roquette');
    await page.getByLabel(/^Code postal/).fill('13200');
    await page.getByLabel(/^Commune/).fill('Arles');
    await follow(page, page.getByRole('button', { name: 'Créer le foyer' }));
    expect(/^\/backoffice\/foyers\/\d+$/.test(new URL(page.url()).pathname), `adresse ${page.url()}`);
    ok('foyer créé au guichet, sans adresse électronique');
    await follow(page, mainLink(page, 'Ajouter un enfant'));
    await expectHeading(page, 'Ajouter un enfant au foyer');
    await accessible(page, 'ajout d’un enfant au guichet');
    await typeInto(page, 'Prénom', 'Yanis');
    await page.getByLabel('Date de naissance', { exact: true }).fill('2018-05-06');
    await press(page, 'Garçon');
    await page.getByLabel('Nadia BENALI', { exact: true }).selectOption('ClrMother');
    await page.getByRole('button', { name: 'Ajouter' }).focus();
    await enter(page);
    expect((await page.locator('main').textContent()).includes('Ajout d’un enfant : Yanis'), 'l’ajout est dans l’historique du foyer');
    await accessible(page, 'foyer après un ajout au guichet');
    ok('enfant ajouté au guichet, dans l’historique du foyer');
    await follow(page, mainLink(page, 'Modifier l’adresse'));
    await accessible(page, 'adresse du foyer au guichet');
    await follow(page, page.getByRole('link', { name: 'Annuler' }));
  });

  await step('Statistiques', async () => {
    // Statistics: charts and tables, a filter sent with Enter, a table as CSV.
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Statistiques', exact: true }));
    await expectHeading(page, 'Statistiques');
    await accessible(page, 'statistiques');
    await reflows(page, 'statistiques');
    await page.getByLabel('Téléservice (facultatif)', { exact: true }).selectOption('school-canteen-registration');
    await page.getByLabel('Jusqu’au (facultatif)', { exact: true }).focus();
    await enter(page);
    expect(pathOf(page).includes('teleservice=school-canteen-registration'), `adresse ${pathOf(page)}`);
    const [csvStatus, csvHead] = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return [r.status, (await r.text()).slice(0, 20)];
    }, await mainLink(page, 'CSV : Demandes par état').getAttribute('href'));
    expect(csvStatus === 200 && csvHead.includes('État;Demandes'), `le tableau en CSV : ${csvStatus} ${csvHead}`);
    ok('statistiques filtrées, tableau téléchargé en CSV');
    await accessible(page, 'statistiques d’un téléservice');
  });

  await step('Configuration des téléservices : saisons et listes de choix', async () => {
    // The téléservices' configuration: the list, one téléservice, a season refused.
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Téléservices', exact: true }));
    await expectHeading(page, 'Téléservices');
    await accessible(page, 'configuration des téléservices');
    await open(page, new URL('/backoffice/teleservices/school-canteen-registration', page.url()));
    await accessible(page, 'configuration d’un téléservice');
    await reflows(page, 'configuration d’un téléservice');
    await typeInto(page, 'Nom de la nouvelle saison', 'Saison mal datée');
    await follow(page, page.getByRole('button', { name: 'Ajouter la saison' }), 400);
    expect((await page.getByRole('alert').count()) >= 1, 'le message d’erreur manque');
    await accessible(page, 'configuration d’un téléservice en erreur');
    // A paramètre list: an entry added by keyboard, then a refusal.
    await follow(page, mainLink(page, 'Régimes alimentaires'));
    await expectHeading(page, 'Régimes alimentaires');
    await accessible(page, 'liste de choix d’un téléservice');
    await reflows(page, 'liste de choix d’un téléservice');
    await typeInto(page, 'Libellé, tel que le foyer le lit', 'Sans gluten');
    await typeInto(page, 'Clé, gardée dans les demandes (minuscules, chiffres et tirets)', 'sans-gluten');
    await enter(page);
    expect(
      (await page.getByRole('status').textContent()).includes('le portail la propose ainsi dès maintenant'),
      'l’entrée est ajoutée',
    );
    ok('entrée « Sans gluten » ajoutée au clavier');
    await page.getByRole('button', { name: 'Ajouter l’entrée' }).focus();
    await enter(page, 400);
    expect((await page.getByRole('alert').count()) >= 1, 'le message d’erreur manque');
    await accessible(page, 'liste de choix en erreur');
    await follow(page, mainLink(page, 'Inscription à la restauration scolaire'));
  });

  await step('Courriers types', async () => {
    // Its courriers types: the list, the demo's courrier previewed with the
    // request opened above, a new one with an unknown variable refused.
    await follow(page, mainLink(page, 'Les courriers types de ce téléservice'));
    await expectHeading(page, 'Courriers types : Inscription à la restauration scolaire');
    await accessible(page, 'courriers types d’un téléservice');
    await typeInto(page, 'Nom court (dans « Contacter le demandeur »)', 'Relance');
    await typeInto(page, 'Intitulé (l’objet de la lettre, le titre de l’attestation)', 'Pièce manquante');
    await typeInto(page, 'Texte du courrier', 'Bonjour {{RR_QUESTION}}');
    await follow(page, page.getByRole('button', { name: 'Créer le courrier' }), 400);
    expect(
      (await page.getByRole('alert').textContent()).includes('La variable {{RR_QUESTION}} n’existe pas'),
      'la variable inconnue est refusée',
    );
    await accessible(page, 'courrier type refusé');
    await follow(page, mainLink(page, 'Confirmation d’inscription'));
    await expectHeading(page, 'Courrier « Confirmation d’inscription »');
    // A variable inserted by keyboard at the end of the text.
    await page.getByLabel('Texte du courrier', { exact: true }).press('End');
    await page.getByRole('button', { name: 'Insérer DATE dans le texte' }).focus();
    await page.keyboard.press('Enter');
    expect(
      (await page.getByLabel('Texte du courrier', { exact: true }).inputValue()).includes('{{DATE}}'),
      'la variable est insérée dans le texte',
    );
    await typeInto(page, 'Numéro d’une demande de ce téléservice', requestNumber);
    await enter(page);
    expect(
      (await page.locator('main article').textContent()).includes(`n° ${requestNumber}`),
      'l’aperçu porte le numéro de la demande',
    );
    ok(`aperçu du courrier type avec la demande n° ${requestNumber}`);
    await accessible(page, 'aperçu d’un courrier type');
    await reflows(page, 'aperçu d’un courrier type');
  });

  await step('Paramètres de la collectivité et apparence', async () => {
    // The collectivité's settings, for its administrator: a wrong lock delay said.
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Paramètres', exact: true }));
    await expectHeading(page, 'Paramètres de la collectivité');
    await accessible(page, 'paramètres de la collectivité');
    await page.getByLabel('Durée du verrou d’une demande ouverte, en minutes', { exact: true }).fill('2');
    await follow(page, page.getByRole('button', { name: 'Enregistrer les paramètres' }), 400);
    expect((await page.getByRole('alert').count()) >= 1, 'le résumé des erreurs manque');
    await accessible(page, 'paramètres de la collectivité avec erreurs');
    // Appearance: a logo refused by its content, then one given; shown in the header.
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Apparence', exact: true }));
    await expectHeading(page, 'Apparence et documents');
    await accessible(page, 'apparence et documents');
    await reflows(page, 'apparence et documents');
    await page.getByLabel('Nouveau fichier : Logo de l’espace des agents (PNG ou JPEG, 1 Mo au plus)', { exact: true })
      .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PDF });
    await page.getByRole('button', { name: 'Envoyer : Logo de l’espace des agents' }).focus();
    await enter(page, 400);
    expect((await page.getByRole('alert').textContent()).includes('PNG ou JPEG'), 'le faux logo est refusé');
    await accessible(page, 'apparence avec erreur');
    await page.getByLabel('Nouveau fichier : Logo de l’espace des agents (PNG ou JPEG, 1 Mo au plus)', { exact: true })
      .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: 'Envoyer : Logo de l’espace des agents' }).focus();
    await enter(page);
    expect((await page.locator('header img.site-logo').count()) === 1, 'le logo est en tête des pages');
    ok('logo de l’espace des agents envoyé au clavier, affiché en tête');
    await accessible(page, 'apparence avec un logo');
    // A style sheet that would load another: refused, the line said.
    await page.getByLabel(/^Nouveau fichier : Feuille de style du portail/)
      .setInputFiles({ name: 'arles.css', mimeType: 'text/css', buffer: Buffer.from('body { color: #222 }\n@import url(https://ailleurs.example/x.css);\n') });
    await page.getByRole('button', { name: 'Envoyer : Feuille de style du portail' }).focus();
    await enter(page, 400);
    expect((await page.getByRole('alert').textContent()).includes('Ligne 2'), 'la feuille de style qui importe est refusée');
    ok('feuille de style qui charge une autre feuille refusée, la ligne dite');
  });

  await step('Catégories et droits dans l’espace des agents', async () => {
    // Categories and rights: a wrong address said, then the category made.
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Catégories et droits', exact: true }));
    await expectHeading(page, 'Catégories de téléservices');
    await accessible(page, 'catégories de l’espace des agents');
    await typeInto(page, 'Nom de la nouvelle catégorie', 'Sports');
    await typeInto(page, 'Adresse électronique du service (facultatif)', 'sports@');
    await enter(page, 400);
    expect((await page.getByRole('alert').count()) >= 1, 'l’adresse invalide est dite');
    await accessible(page, 'catégories avec erreur');
    await page.getByLabel('Adresse électronique du service (facultatif)', { exact: true }).fill('');
    await typeInto(page, 'Adresse électronique du service (facultatif)', 'sports@mairie.example');
    await enter(page);
    await expectHeading(page, 'Catégorie « Sports »');
    await accessible(page, 'une catégorie de l’espace des agents');
    await reflows(page, 'une catégorie de l’espace des agents');
    ok('catégorie créée au clavier depuis l’espace des agents');
  });

  await step('La mairie demande des compléments au foyer Durand', async () => {
    await open(page, new URL(`/backoffice/demandes?numero=${requestNumber}`, page.url()));
    await follow(page, page.getByRole('main').getByRole('table').getByRole('link').first());
    await press(page, 'Incomplète (motif obligatoire)');
    await typeInto(page, 'Motif, communiqué au foyer (facultatif, sauf mention)', 'Précisez les jours de cantine.');
    await page.getByRole('button', { name: 'Changer l’état' }).focus();
    await enter(page);
    expect((await page.locator('main').textContent()).includes('Personne ne traite cette demande'), 'la demande incomplète est au foyer');
    ok(`demande n° ${requestNumber} incomplète : elle attend le foyer`);
    await accessible(page, 'demande incomplète');
  });

  await step('Paiements dans l’espace des agents', async () => {
    // Payments: the search, the régies and an invoice refused then made, the reconciliation, the settings.
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Paiements', exact: true }));
    await expectHeading(page, 'Paiements');
    await accessible(page, 'recherche des paiements');
    await reflows(page, 'recherche des paiements');
    await follow(page, page.getByRole('link', { name: 'Régies et factures' }));
    await expectHeading(page, 'Régies');
    await accessible(page, 'régies');
    await follow(page, page.getByRole('link', { name: 'Régie de la restauration scolaire' }));
    await accessible(page, 'une régie et ses factures');
    await typeInto(page, 'Numéro du foyer', '1');
    await typeInto(page, 'Référence de la facture', 'F-TEST-1');
    await typeInto(page, 'Libellé', 'Garderie');
    await typeInto(page, 'Montant en euros (facultatif)', '12,505');
    await enter(page, 400);
    expect((await page.getByRole('alert').count()) >= 1, 'le montant à trois décimales est refusé');
    await accessible(page, 'une facture refusée');
    ok('facture au montant trop précis refusée, au clavier');
    await follow(page, page.getByRole('link', { name: 'Rapprochement du jour' }).first());
    await expectHeading(page, 'Rapprochement des paiements');
    await accessible(page, 'rapprochement des paiements');
    await follow(page, page.getByRole('link', { name: 'Studio des formulaires', exact: true }));
    await expectHeading(page, 'Studio des formulaires');
    await accessible(page, 'studio des formulaires');
    await page.getByLabel('Téléservice fourni', { exact: true }).selectOption('bulky-waste-collection');
    await page.getByRole('button', { name: 'Copier ce téléservice' }).focus();
    await enter(page);
    await expectHeading(page, 'Collecte des encombrants');
    await accessible(page, 'un formulaire du studio');
    await page.getByRole('button', { name: 'Publier la version 1' }).focus();
    await enter(page);
    expect(
      (await page.getByRole('status').textContent()).includes('La version 1 est publiée.'),
      'la publication est dite',
    );
    await accessible(page, 'un formulaire publié');
    ok('un téléservice copié et publié depuis le studio, au clavier');
    await open(page, new URL('/backoffice/paiements/reglages', page.url()));
    await expectHeading(page, 'Réglages des paiements');
    await accessible(page, 'réglages des paiements');
    await follow(page, page.getByRole('button', { name: 'Se déconnecter' }));
    await expectPath(page, '/backoffice/connexion');
    ok('déconnexion de l’espace des agents');
  });

  await step('L’administratrice de Ville Deux, dès sa première connexion : paramètres et page d’accessibilité', async () => {
    const ville2 = new URL(`http://ville2.localhost:${publicBase.port || 80}/`);
    await open(page, new URL('/backoffice/connexion', ville2));
    await typeInto(page, 'Identifiant', 'nora.lambert');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await enter(page);
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Paramètres', exact: true }));
    await expectHeading(page, 'Paramètres de la collectivité');
    ok('le premier administrateur atteint les paramètres de l’espace des agents sans rien changer à ses groupes');
    await accessible(page, 'paramètres et pages d’information');
    await follow(page, mainLink(page, 'Modifier la page « Accessibilité »'));
    await accessible(page, 'modifier la page d’accessibilité');
    const text = page.getByLabel('Texte de la page', { exact: true });
    expect((await text.inputValue()).includes('## État de conformité'), 'le texte par défaut est proposé');
    await text.fill('## État de conformité\n\nLe portail de Ville Deux est **partiellement conforme** au RGAA 4.1.2.\n- audit de mars 2027');
    await follow(page, page.getByRole('button', { name: 'Enregistrer la page' }));
    expect((await page.getByRole('status').textContent()).includes('La page est enregistrée'), 'la page est enregistrée');
    await follow(page, page.getByRole('contentinfo').getByRole('link', { name: 'Accessibilité', exact: true }));
    await expectHeading(page, 'Accessibilité');
    expect((await page.locator('main').textContent()).includes('partiellement conforme'), 'le portail montre le texte de la collectivité');
    await accessible(page, 'déclaration d’accessibilité de Ville Deux');
    await follow(page, page.getByRole('contentinfo').getByRole('link', { name: 'Mentions légales', exact: true }));
    const legal = (await page.locator('main').textContent()).replace(/\s+/g, ' ');
    expect(legal.includes('Ville Deux') && legal.includes('SIRET'), `mentions légales : ${legal}`);
    await accessible(page, 'mentions légales de Ville Deux');
    ok('pages d’information : au pied de chaque page, écrites des paramètres, réécrites par l’administratrice');
    await open(page, new URL('/backoffice/', ville2));
    await follow(page, page.getByRole('button', { name: 'Se déconnecter' }));
  });

  await portalScenario(page);
}

/** Types into the field of that label, reached by the keyboard's focus. */
async function typeInto(page, label, text) {
  now(`saisie au clavier dans « ${label} »`);
  await page.getByLabel(label, { exact: true }).focus();
  await page.keyboard.type(text);
}

/** Ticks a checkbox or picks a radio button with the space bar. */
async function press(page, label) {
  now(`barre d’espace sur « ${label} »`);
  await page.getByLabel(label, { exact: true }).focus();
  await page.keyboard.press('Space');
}

/** Sends a form with Enter from the field that has the focus. */
async function enter(page, status = 200) {
  now(`touche Entrée dans ${pathOf(page)} puis attente de la page suivante (statut ${status} attendu)`);
  const mainFrame = page.mainFrame();
  const response = page.waitForResponse((r) => {
    const s = r.status();
    return r.request().isNavigationRequest() && r.frame() === mainFrame && (s < 300 || s >= 400);
  });
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === mainFrame });
  await page.keyboard.press('Enter');
  const [answer] = await Promise.all([response, navigated]);
  await page.waitForLoadState('load');
  expect(answer.status() === status, `${answer.url()} : statut ${answer.status()}, attendu ${status}`);
}

/** Nothing wider than a 320 px screen (RGAA 10.11). */
async function reflows(page, label) {
  await page.setViewportSize({ width: 320, height: 640 });
  const [width, widest, headless] = await page.evaluate(() => {
    const over = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > 321)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + el.className : ''}`);
    // A table keeps its column headers where its cells are: it scrolls in its box.
    const lost = [...document.querySelectorAll('thead th')]
      .filter((th) => {
        const r = th.getBoundingClientRect();
        const box = th.closest('table').getBoundingClientRect();
        return r.width === 0 || r.left < box.left - 1 || getComputedStyle(th).display !== 'table-cell';
      })
      .map((th) => th.textContent.trim());
    return [document.documentElement.scrollWidth, over.join(', '), lost.join(', ')];
  });
  await page.setViewportSize({ width: 1280, height: 800 });
  expect(width <= 320, `${label} : ${width} px de large à 320 px (défilement horizontal : ${widest})`);
  expect(headless === '', `${label} : à 320 px, des tableaux perdent leurs en-têtes (${headless})`);
  ok(`${label} se lit à 320 px de large, ses tableaux avec leurs en-têtes`);
}

async function portalScenario(page) {
  const at = (path) => new URL(path, portal);

  await step('Portail : pages ouvertes à tous', async () => {
    await open(page, at('/?q=cantine'));
    await expectHeading(page, 'Recherche : « cantine »');
    await accessible(page, 'recherche dans le catalogue');
    await reflows(page, 'le catalogue');
    await open(page, at('/demarches/birth-details'));
    await accessible(page, 'page d’un téléservice');
    await open(page, at('/creer-un-compte'));
    await expectHeading(page, 'Créer un compte');
    await accessible(page, 'création de compte');
    await follow(page, page.getByRole('button', { name: 'Créer mon compte' }), 400);
    expect((await page.getByRole('alert').count()) === 1, 'le résumé des erreurs manque');
    await accessible(page, 'création de compte avec erreurs');
    await open(page, at('/mot-de-passe-oublie'));
    await accessible(page, 'mot de passe oublié');
  });

  await step('Portail : connexion du foyer Durand au clavier', async () => {
    await open(page, at('/connexion'));
    await accessible(page, 'connexion au portail');
    await typeInto(page, 'Adresse électronique', 'famille.durand@demo.localhost.fr');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await enter(page);
    await expectPath(page, '/mes-demandes');
    await expectHeading(page, 'Mes demandes');
    await accessible(page, 'mes demandes');
  });

  if (MAILDIR) {
    await step('Portail : le foyer complète sa demande incomplète, depuis le courriel', async () => {
      const mail = await mailWith('famille.durand@demo.localhost.fr', 'Précisez les jours de cantine.');
      const link = mail.match(/https?:\/\/[^\s]*\/mes-demandes[^\s]*/);
      expect(link, 'le courriel mène à la demande');
      await open(page, new URL(link[0]));
      if (pathOf(page) === '/mes-demandes') {
        await follow(page, page.getByRole('main').getByRole('link', { name: new RegExp(`n° ${requestNumber}\\b`) }).first());
      }
      await follow(page, mainLink(page, 'Modifier ma demande'));
      await accessible(page, 'récapitulatif d’une demande à compléter');
      await follow(page, page.getByRole('main').getByRole('link', { name: 'Modifier l’étape Inscription' }));
      await press(page, 'Mardi');
      await follow(page, page.getByRole('button', { name: 'Enregistrer et continuer' }));
      if (/\/etapes\//.test(pathOf(page))) {
        await follow(page, page.getByRole('button', { name: 'Enregistrer et continuer' }));
      }
      if (/\/justificatifs$/.test(pathOf(page))) {
        await follow(page, mainLink(page, 'Continuer : vérifier et envoyer la demande'));
      }
      await page.getByLabel('Par courriel', { exact: true }).check();
      await page.getByLabel(/^Je certifie que les informations/).check();
      await follow(page, page.getByRole('button', { name: 'Envoyer la demande' }));
      expect((await page.locator('main').textContent()).includes('Complétée'), 'la demande est « Complétée »');
      await accessible(page, 'demande complétée et renvoyée');
      await mailWith('famille.durand@demo.localhost.fr', 'complétée, a bien été reçue');
      await mailWith('camille.martin@demo.localhost.fr', 'Le foyer a complété sa demande');
      ok('demande complétée et renvoyée : un courriel au foyer, un à l’agent, avec le changement');
    });
  }

  await step('Portail : mon foyer, mes documents', async () => {
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Mon foyer', exact: true }));
    await expectHeading(page, 'Mon foyer');
    await accessible(page, 'mon foyer');
    await follow(page, mainLink(page, 'Ajouter un enfant'));
    await accessible(page, 'ajout d’un enfant');
    await open(page, at('/mon-foyer/historique'));
    await accessible(page, 'historique du foyer');
    await open(page, at('/mes-documents'));
    await accessible(page, 'mes documents');
  });

  await step('Portail : inscription de Jade à la cantine, au clavier seulement', async () => {
    await open(page, at('/demarches/school-canteen-registration'));
    await accessible(page, 'page de l’inscription à la cantine');
    await press(page, 'Jade DURAND');
    const start = page.getByRole('button', { name: 'Commencer la demande' });
    await start.focus();
    await enter(page);
    expect(/\/etapes\/inscription$/.test(pathOf(page)), `adresse ${pathOf(page)}`);
    await expectHeading(page, 'Inscription');
    await accessible(page, 'étape « Inscription »');
    await reflows(page, 'une étape de demande');

    // Sent empty: the errors are summed up on top, each linked to its field.
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).focus();
    await enter(page, 400);
    const summary = page.getByRole('alert');
    expect((await summary.count()) === 1, 'le résumé des erreurs manque');
    const links = await summary.getByRole('link').count();
    // The phone is filled from the foyer: the days, the diet and the allergy are missing.
    expect(links === 3, `${links} lien(s) dans le résumé des erreurs, 3 attendus`);
    ok(`résumé des erreurs : ${links} liens vers les champs`);
    await accessible(page, 'étape « Inscription » avec erreurs');

    await page.getByLabel('Téléphone à appeler en cas d’urgence', { exact: true }).fill('');
    await typeInto(page, 'Téléphone à appeler en cas d’urgence', '06 11 22 33 44');
    await press(page, 'Lundi');
    await press(page, 'Vendredi');
    await press(page, 'Sans porc');
    await press(page, 'Non');
    await page.getByLabel('Téléphone à appeler en cas d’urgence', { exact: true }).focus();
    await enter(page);
    expect(/\/etapes\/health$/.test(pathOf(page)), `adresse ${pathOf(page)}`);
    await accessible(page, 'étape « Santé »');
    await press(page, 'J’ai lu le règlement de la restauration scolaire');
    await typeInto(page, 'Nom du médecin traitant (facultatif)', 'Dr Lefèvre');
    await enter(page);
    expect(/\/justificatifs$/.test(pathOf(page)), `adresse ${pathOf(page)}`);
    await accessible(page, 'justificatifs de la demande');
    await follow(page, mainLink(page, 'Continuer : vérifier et envoyer la demande'));
    expect(/\/envoi$/.test(pathOf(page)), `adresse ${pathOf(page)}`);
    await accessible(page, 'vérification et envoi');
    const recap = (await page.getByRole('main').textContent()).replace(/\s+/g, ' ');
    expect(recap.includes('Lundi, Vendredi') && recap.includes('Sans porc'), 'le récapitulatif ne montre pas les réponses');
    ok('le récapitulatif montre les réponses');
    await press(page, 'Par courriel');
    await typeInto(page, 'Message pour la mairie (facultatif)', 'Jade est allergique au kiwi.');
    await press(page, 'Je certifie que les informations données sont exactes, et j’accepte qu’elles soient traitées pour cette demande.');
    await page.getByRole('button', { name: 'Envoyer la demande' }).focus();
    await enter(page);
    expect(/^\/mes-demandes\/\d+$/.test(pathOf(page)), `adresse ${pathOf(page)}`);
    jadeRequest = new URL(page.url()).pathname.split('/').pop();
    const notice = (await page.getByRole('status').textContent()).replace(/\s+/g, ' ').trim();
    expect(notice.includes('Votre demande est envoyée sous le n°'), `message : « ${notice} »`);
    ok(`message : « ${notice} »`);
    await accessible(page, 'demande envoyée');
    const receipt = page.getByRole('link', { name: 'Télécharger le reçu (PDF)' });
    expect((await receipt.count()) === 1, 'le lien du reçu manque');
    ok('le reçu est proposé au téléchargement');
    // Cancelling asks first; « Non » keeps it.
    await follow(page, mainLink(page, 'Annuler la demande…'));
    expect((await page.getByRole('button', { name: 'Oui, annuler la demande' }).count()) === 1, 'l’annulation demande confirmation');
    await accessible(page, 'confirmation de l’annulation');
    await follow(page, mainLink(page, 'Non, garder la demande'));
    expect((await page.locator('main').textContent()).includes('Déposée'), 'la demande est gardée');
    ok('« Annuler la demande » demande confirmation ; « Non » la garde');
  });

  await step('Portail : paiement de deux factures par la banque de test, au clavier', async () => {
    await follow(page, page.getByRole('navigation').getByRole('link', { name: 'Mes paiements', exact: true }));
    await expectHeading(page, 'Mes paiements');
    await accessible(page, 'mes paiements');
    await reflows(page, 'mes paiements');
    await follow(page, page.getByRole('button', { name: 'Payer en ligne' }), 400);
    expect((await page.getByRole('alert').count()) >= 1, 'rien de coché : l’erreur est dite');
    await accessible(page, 'mes paiements avec erreur');
    for (const invoice of [/^RS-2026-0101/, /^RS-2026-0102/]) {
      await page.getByLabel(invoice).focus();
      await page.keyboard.press('Space');
    }
    await page.getByRole('button', { name: 'Payer en ligne' }).focus();
    await enter(page);
    const bankTitle = (await page.getByRole('heading', { level: 1 }).textContent()).replace(/\s/g, ' ');
    expect(bankTitle === 'Paiement de 80,75 €', `titre de la banque « ${bankTitle} »`);
    await accessible(page, 'page de la banque de test');
    ok('le foyer est à la banque de test, pour 80,75 €');
    // The payer leaves the bank's page: the payment waits, to be resumed or abandoned.
    await open(page, at('/paiements'));
    expect((await page.getByRole('heading', { name: 'Paiement à terminer' }).count()) === 1, 'le paiement ouvert est proposé');
    await accessible(page, 'mes paiements avec un paiement à terminer');
    await follow(page, page.getByRole('link', { name: /^Reprendre le paiement/ }));
    const resumed = (await page.getByRole('heading', { level: 1 }).textContent()).replace(/\s/g, ' ');
    expect(resumed === 'Paiement de 80,75 €', `reprise à la banque : « ${resumed} »`);
    ok('paiement repris sur la page de la banque');
    await open(page, at('/paiements'));
    await page.getByRole('button', { name: /^Abandonner le paiement/ }).focus();
    await enter(page);
    expect((await page.getByRole('status').textContent()).includes('Paiement abandonné'), 'le paiement est abandonné');
    await accessible(page, 'un paiement abandonné');
    ok('paiement abandonné : les factures sont de nouveau à payer');
    await follow(page, page.getByRole('link', { name: 'Revenir à mes paiements' }));
    for (const invoice of [/^RS-2026-0101/, /^RS-2026-0102/]) {
      await page.getByLabel(invoice).focus();
      await page.keyboard.press('Space');
    }
    await page.getByRole('button', { name: 'Payer en ligne' }).focus();
    await enter(page);
    await page.getByRole('button', { name: 'Payer par carte' }).focus();
    await enter(page);
    expect(/^\/paiements\/\d+$/.test(new URL(page.url()).pathname), `retour sur ${page.url()}`);
    expect((await page.getByRole('status').textContent()).includes('Votre paiement est enregistré'), 'le paiement est enregistré');
    await accessible(page, 'un paiement validé');
    const receipt = page.getByRole('link', { name: 'Télécharger le reçu (PDF)' });
    expect((await receipt.count()) === 1, 'le reçu du paiement manque');
    ok('paiement par carte validé par la banque, reçu proposé');
    if (MAILDIR) {
      await mailWith('famille.durand@demo.localhost.fr', 'Recu_Paiement_GU');
      ok('le reçu du paiement arrive par courriel, en PDF joint');
    }
    await follow(page, page.getByRole('link', { name: 'Revenir à mes paiements' }));
    expect((await page.getByRole('main').textContent()).includes('Historique de mes paiements'), 'l’historique montre le paiement');
    await accessible(page, 'mes paiements après paiement');
  });

  await step('Espace des agents : l’administrateur retrouve le paiement et ce qu’a dit la banque', async () => {
    await open(page, new URL('/backoffice/connexion', portal));
    await typeInto(page, 'Identifiant', 'camille.martin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await enter(page);
    // Jade's request, with the household's message.
    await open(page, new URL(`/backoffice/demandes/${jadeRequest}`, portal));
    const message = page.getByRole('heading', { name: 'Message du foyer' });
    expect((await message.count()) === 1 && (await page.locator('main').textContent()).includes('allergique au kiwi'), 'le message du foyer est sur la page de la demande');
    ok('le message du foyer est sur la page de sa demande');
    await open(page, new URL('/backoffice/paiements?etat=validated', portal));
    await follow(page, page.getByRole('main').getByRole('table').getByRole('link').first());
    expect((await page.getByRole('main').textContent()).includes('payé par carte'), 'la réponse de la banque est dite');
    await accessible(page, 'un paiement dans l’espace des agents');
    await reflows(page, 'un paiement dans l’espace des agents');
    await follow(page, page.getByRole('button', { name: 'Se déconnecter' }));
    ok('paiement retrouvé par l’administrateur, déconnexion');
    await open(page, new URL('/paiements', portal));
  });

  await step('Portail : déconnexion', async () => {
    await follow(page, page.getByRole('button', { name: 'Se déconnecter' }));
    await expectPath(page, '/');
    ok('déconnexion du portail');
  });

  if (!MAILDIR) return;

  await step('Sans compte : un acte de décès, suivi par le lien du courriel', async () => {
    await startWithoutAccount(page, 'death-details');
    await accessible(page, 'une demande sans compte');
    await page.getByLabel('Nom', { exact: true }).fill('Girard');
    await page.getByLabel('Prénoms', { exact: true }).fill('Louis Marcel');
    await page.getByLabel(/^Date du décès/).fill('2026-11-02');
    await page.getByLabel('Commune du décès', { exact: true }).fill('Arles');
    await follow(page, page.getByRole('button', { name: 'Enregistrer et continuer' }));
    await page.getByLabel('Copie intégrale', { exact: true }).check();
    await page.getByLabel(/^Nombre d’exemplaires/).fill('1');
    await page.getByLabel(/^Motif de la demande/).selectOption({ label: 'Succession, acte notarié' });
    await follow(page, page.getByRole('button', { name: 'Enregistrer et continuer' }));
    if (/\/justificatifs$/.test(pathOf(page))) {
      await follow(page, mainLink(page, 'Continuer : vérifier et envoyer la demande'));
    }
    await page.getByLabel('Par courriel', { exact: true }).check();
    await page.getByLabel(/^Je certifie que les informations/).check();
    await follow(page, page.getByRole('button', { name: 'Envoyer la demande' }));
    ok('demande d’acte de décès envoyée sans compte');
    // A birth certificate with filiation: the parents' fields, asked on the
    // step after the choice, are there (decided by the server).
    await startWithoutAccount(page, 'birth-details');
    await page.getByLabel(/^Vous êtes/).selectOption({ label: 'La personne concernée par l’acte' });
    await page.getByLabel('Extrait avec filiation', { exact: true }).check();
    await page.getByLabel(/^Nombre d’exemplaires/).fill('1');
    await page.getByLabel(/^Motif de la demande/).selectOption({ label: 'Passeport' });
    await follow(page, page.getByRole('button', { name: 'Enregistrer et continuer' }));
    for (const label of ['Nom du père', 'Prénoms de la mère']) {
      expect(await page.getByLabel(new RegExp(`^${label}`)).isVisible(), `« ${label} » n’est pas proposé pour un extrait avec filiation`);
    }
    await accessible(page, 'acte de naissance avec filiation');
    ok('extrait avec filiation : les champs des parents sont proposés à l’étape suivante');
    // The visitor closes the browser.
    await page.context().clearCookies();
    const link = await mailedLink(VISITOR, '/suivi/');
    const mail = await mailWith(VISITOR, '/suivi/');
    expect(!mail.includes('/mes-demandes'), 'le courriel d’un demandeur sans compte ne mène pas à « Mes demandes »');
    // Another browser, later: the link opens the request, once.
    const later = await page.context().browser().newContext({ locale: 'fr-FR' });
    try {
      const other = await later.newPage();
      other.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && serverErrors.push(`console : ${m.text()}`));
      await open(other, link);
      await accessible(other, 'lien de suivi d’une demande sans compte');
      await follow(other, other.getByRole('button', { name: 'Ouvrir ma demande' }));
      expect(/^\/mes-demandes\/\d+$/.test(pathOf(other)), `adresse ${pathOf(other)}`);
      expect((await other.locator('main').textContent()).includes('Garder vos demandes dans un compte'), 'le compte est proposé');
      await accessible(other, 'demande suivie sans compte');
      ok('le lien du courriel ouvre la demande ; un compte est proposé');
    } finally {
      await later.close();
    }
  });

  await step('Portail : un nouvel usager crée son compte et le confirme', async () => {
    await open(page, at('/creer-un-compte'));
    await page.getByLabel('Madame', { exact: true }).check();
    await page.getByLabel('Nom', { exact: true }).fill('Lefèvre');
    await page.getByLabel('Prénom', { exact: true }).fill('Inès');
    await page.getByLabel('Adresse électronique', { exact: true }).fill(NEWCOMER);
    await page.getByLabel('Téléphone portable (facultatif)', { exact: true }).fill('07 11 22 33 44');
    await page.getByLabel('Voie (rue, avenue…)', { exact: true }).fill('rue des Arènes');
    await page.getByLabel('Code postal', { exact: true }).fill('13200');
    await page.getByLabel('Commune', { exact: true }).fill('Arles');
    await page.getByLabel('Mot de passe', { exact: true }).fill('une longue phrase de passe');
    await page.getByLabel('Mot de passe, à nouveau', { exact: true }).fill('une longue phrase de passe');
    await follow(page, page.getByRole('button', { name: 'Créer mon compte' }));
    await expectHeading(page, 'Vérifiez votre messagerie');
    const link = await mailedLink(NEWCOMER, '/compte/confirmer/');
    ok('le lien de confirmation est arrivé par courriel');
    await open(page, link);
    await expectHeading(page, 'Confirmer votre adresse');
    await accessible(page, 'confirmation de l’adresse');
    await follow(page, page.getByRole('button', { name: 'Confirmer mon adresse' }));
    await expectHeading(page, 'Adresse confirmée');
    await accessible(page, 'adresse confirmée');
    await open(page, at('/connexion'));
    await page.getByLabel('Adresse électronique', { exact: true }).fill(NEWCOMER);
    await page.getByLabel('Mot de passe', { exact: true }).fill('une longue phrase de passe');
    await follow(page, page.getByRole('button', { name: 'Se connecter' }));
    await expectPath(page, '/mes-demandes');
  });

  await step('Portail : le nouvel usager inscrit son enfant à la cantine, avec un justificatif', async () => {
    await fileCanteen(page, 'Inès LEFÈVRE', 'Sami');
    // The receipt's file name is plain ASCII in the raw message (the subject is encoded).
    const mail = await mailWith(NEWCOMER, 'Recu_Demande_');
    expect(mail.includes('application/pdf'), 'le reçu n’est pas joint en PDF');
    ok('courriel de réception reçu, reçu PDF joint');
    await follow(page, page.getByRole('button', { name: 'Se déconnecter' }));
  });

  await step('Portail : première connexion avec FranceConnect', async () => {
    await open(page, at('/connexion'));
    await accessible(page, 'connexion avec le bouton FranceConnect');
    await follow(page, page.getByRole('link', { name: /S’identifier avec/ }));
    await expectPath(page, '/connexion/franceconnect/lier');
    await expectHeading(page, 'Première connexion avec FranceConnect');
    await accessible(page, 'première connexion avec FranceConnect');
    const create = page.locator('form[action="/connexion/franceconnect/creer"]');
    await create.getByLabel('Téléphone portable (facultatif)', { exact: true }).fill('06 99 88 77 66');
    await create.getByLabel('Voie (rue, avenue…)', { exact: true }).fill('boulevard des Lices');
    await create.getByLabel('Code postal', { exact: true }).fill('13200');
    await create.getByLabel('Commune', { exact: true }).fill('Arles');
    await follow(page, create.getByRole('button', { name: 'Créer mon compte' }));
    await expectPath(page, '/mes-demandes');
    ok('compte ouvert avec l’identité FranceConnect');
  });

  await step('Portail : l’usager FranceConnect inscrit son enfant à la cantine', async () => {
    await fileCanteen(page, 'Angela Claire Louise DUBOIS', 'Noé');
    const mail = await mailWith('angela.dubois@example.fr', 'Recu_Demande_');
    expect(mail.includes('application/pdf'), 'le reçu n’est pas joint en PDF');
    ok('courriel de réception reçu, reçu PDF joint');
    // Signing out goes through FranceConnect and comes back.
    await follow(page, page.getByRole('button', { name: 'Se déconnecter' }));
    await page.waitForURL((u) => u.host === portal.host && u.pathname === '/', { timeout: ACTION_TIMEOUT });
    ok('déconnexion par FranceConnect, retour au portail');
  });
}

const MAILDIR = process.env.GUICHET_TEST_MAILDIR;
/** The request the agent opens first, asks the household to complete, and the household completes. */
let requestNumber;
/** The id of Jade's canteen registration, sent by the household with a message. */
let jadeRequest;
const NEWCOMER = 'ines.lefevre@example.fr';
const VISITOR = 'hugo.girard@example.fr';
// A one-pixel PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

// A one-page PDF, as a scanner makes them.
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** The messages the SMTP sink received, decoded from quoted-printable. */
function mails() {
  const dir = join(MAILDIR, 'new');
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((n) => {
    // Read as bytes: quoted-printable escapes the bytes of UTF-8 text.
    const raw = readFileSync(join(dir, n), 'latin1');
    const bytes = raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}

async function mailWith(to, text) {
  for (let i = 0; i < 150; i += 1) {
    const found = mails().find((m) => m.includes(to) && m.includes(text));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`aucun courriel « ${text} » pour ${to}`);
}

async function mailedLink(to, marker) {
  const mail = await mailWith(to, marker);
  const match = mail.match(new RegExp(`https?://[^\\s]*${marker}[A-Za-z0-9_-]+`));
  expect(match, `pas de lien ${marker} dans le courriel`);
  return new URL(match[0]);
}

/** Starts the téléservice `code` without an account, as Hugo Girard. */
async function startWithoutAccount(page, code) {
  // Another visit: the browser keeps no session of the last one.
  await page.context().clearCookies();
  await open(page, new URL(`/demarches/${code}`, portal));
  await follow(page, mainLink(page, 'Faire la demande sans compte'));
  await press(page, 'Monsieur');
  await typeInto(page, 'Nom', 'Girard');
  await typeInto(page, 'Prénom', 'Hugo');
  await typeInto(page, 'Adresse électronique', VISITOR);
  await page.getByLabel(/^Téléphone portable/).fill('06 22 33 44 55');
  await page.getByLabel(/^Voie/).fill('rue des Lilas');
  await page.getByLabel(/^Code postal/).fill('13200');
  await page.getByLabel(/^Commune/).fill('Arles');
  await follow(page, page.getByRole('button', { name: 'Commencer la demande' }));
}

/** Adds a child, then files a canteen registration for them with a justificatif. */
async function fileCanteen(page, parent, child) {
  const at = (path) => new URL(path, portal);
  await open(page, at('/mon-foyer/ajouter/enfant'));
  await page.getByLabel('Nom', { exact: true }).fill('Martin');
  await page.getByLabel('Prénom', { exact: true }).fill(child);
  await page.getByLabel('Date de naissance', { exact: true }).fill('2018-09-01');
  await page.getByLabel('Garçon', { exact: true }).check();
  await page.getByLabel(parent, { exact: true }).selectOption('ClrMother');
  await follow(page, page.getByRole('button', { name: 'Ajouter' }));
  ok(`enfant ${child} ajouté`);
  await open(page, at('/demarches/school-canteen-registration'));
  await page.getByLabel(`${child} MARTIN`, { exact: true }).check();
  await follow(page, page.getByRole('button', { name: 'Commencer la demande' }));
  await page.getByLabel('Jeudi', { exact: true }).check();
  await page.getByLabel('Sans régime particulier', { exact: true }).check();
  await page.getByLabel('Non', { exact: true }).check();
  await follow(page, page.getByRole('button', { name: 'Enregistrer et continuer' }));
  await page.getByLabel('J’ai lu le règlement de la restauration scolaire', { exact: true }).check();
  await follow(page, page.getByRole('button', { name: 'Enregistrer et continuer' }));
  expect(/\/justificatifs$/.test(pathOf(page)), `adresse ${pathOf(page)}`);
  await page.getByLabel('Type de document', { exact: true }).selectOption('domicile-receipt');
  await page.getByLabel('Pages du document', { exact: true }).setInputFiles({ name: 'facture.pdf', mimeType: 'application/pdf', buffer: PDF });
  await follow(page, page.getByRole('button', { name: 'Déposer le document' }));
  const joined = (await page.getByRole('main').textContent()).includes('Joint : Justificatif de domicile');
  expect(joined, 'le justificatif n’est pas joint');
  ok('justificatif déposé et joint');
  await follow(page, mainLink(page, 'Continuer : vérifier et envoyer la demande'));
  await page.getByLabel('Par courriel', { exact: true }).check();
  await page.getByLabel(/^Je certifie que les informations/).check();
  await follow(page, page.getByRole('button', { name: 'Envoyer la demande' }));
  expect(/^\/mes-demandes\/\d+$/.test(pathOf(page)), `adresse ${pathOf(page)}`);
  const state = (await page.getByRole('main').textContent()).replace(/\s+/g, ' ');
  expect(state.includes('Votre demande est envoyée sous le n°'), 'le message d’envoi manque');
  expect(state.includes('Déposée'), 'la demande n’est pas « Déposée »');
  ok(`demande de cantine envoyée pour ${child}, état « Déposée »`);
  // Fetched by the page itself (its cookie, its name resolution).
  const [status, head] = await page.evaluate(async (u) => {
    const r = await fetch(u);
    const b = new Uint8Array(await r.arrayBuffer());
    return [r.status, String.fromCharCode(...b.slice(0, 4))];
  }, `${pathOf(page).split('?')[0]}/recu.pdf`);
  expect(status === 200 && head === '%PDF', `le reçu PDF ne se télécharge pas (${status}, ${head})`);
  ok('reçu PDF téléchargé');
}

async function main() {
  const started = Date.now();
  console.log(`Navigateur : ${CHROMIUM} ; provisioning : ${provisioning.origin} ; portail : ${portal.origin}`);
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Tests may run as root, where Chromium's sandbox cannot start.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
      timeout: STEP_TIMEOUT,
    });
  } catch (e) {
    console.error(
      `ÉCHEC — Chromium ne démarre pas (${CHROMIUM}, paquet Debian chromium, ops/install-deps.sh) : ` +
        String(e.message).split('\n')[0],
    );
    process.exit(1);
  }
  let failure = null;
  try {
    console.log(`Chromium ${browser.version()}`);
    // The pages' CSP enforced, as people's browsers enforce it (never bypassed).
    const context = await browser.newContext({ locale: 'fr-FR' });
    context.setDefaultTimeout(ACTION_TIMEOUT);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT);
    const page = await context.newPage();
    page.on('response', (r) => {
      if (r.status() >= 500) serverErrors.push(`${r.request().method()} ${r.url()} : ${r.status()}`);
    });
    page.on('pageerror', (e) => serverErrors.push(`erreur JavaScript sur ${page.url()} : ${e.message}`));
    page.on('console', (m) => {
      // A page answered 4xx on purpose (a refused form) is logged as such:
      // not an error of the page. Anything else logged as an error is one
      // (a CSP violation: « Refused to … because it violates … »).
      if (m.type() !== 'error') return;
      const text = m.text();
      if (/the server responded with a status of 4\d\d/.test(text)) return;
      serverErrors.push(`console sur ${page.url()} : ${text}`);
    });
    await scenario(page);
  } catch (e) {
    failure = e;
  } finally {
    await browser.close();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (violations.length > 0) {
    console.error(`ÉCHEC — ${violations.length} violation(s) d’accessibilité (axe, WCAG 2 A et AA) :`);
    for (const v of violations) {
      console.error(`  - ${v.page} : ${v.id} (${v.impact}) — ${v.help} — ${v.targets}`);
    }
  }
  if (failure) {
    const where = failure.step ? `étape « ${failure.step} » : ` : '';
    // Playwright's errors say what they waited for; others need their stack.
    const playwright = failure.name === 'TimeoutError' || /^\w+\.\w+: /.test(failure.message || '');
    const what =
      failure instanceof Failure || playwright ? failure.message : failure.stack || String(failure);
    console.error(`ÉCHEC — ${where}${what} (pendant : ${doing})`);
  }
  if (failure || violations.length > 0) process.exit(1);
  console.log(`Réussi : ${checks} vérifications en ${seconds} s, aucune violation d’accessibilité.`);
}

await main();
