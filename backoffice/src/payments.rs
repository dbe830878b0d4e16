//! Payments in the back office, for the collectivité's administrators: the
//! régies (PayFiP client number, mode, receipts' address) with their
//! invoices, written one by one or imported from the billing software; the
//! search of payments (state, régie, mode; by payer, account number or
//! date), a payment's page with what the bank said, its CSV for the
//! accounting service; each régie's daily reconciliation; the settings.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use guichet_core::domain::payments::{PaymentMode, PaymentState, RegieMode};
use guichet_core::payments::billing::{
    self, AccountInput, ImportReport, InvoiceInput, IMPORT_COLUMNS,
};
use guichet_core::payments::online::{self, Online, PaymentView};
use guichet_core::payments::regies::{self, Regie, RegieInput};
use guichet_core::payments::tracking::{self, PaymentQuery, Reconciliation, SettingsInput};
use guichet_core::store::repo::payments as rows;
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::{form_page, sealed, Field, Form, Pairs, Section};
use guichet_web::principal::SignedInAgent;
use guichet_web::sheet::{Cell, Format, Sheet};
use guichet_web::{blocking, upload, AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

use crate::cases::options;
use crate::desk::{self, read_as_administrator, write_as_administrator, Section as Nav};

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

// --- Régies and their invoices.

fn regie_form(action: &str, csrf_token: String, v: &RegieInput, submit: &str) -> Form {
    let modes = RegieMode::ALL
        .iter()
        .map(|m| {
            (
                m.code().to_owned(),
                m.label().to_owned(),
                v.mode == m.code(),
            )
        })
        .collect();
    Form::new(
        action,
        csrf_token,
        submit,
        vec![Section::plain(vec![
            Field::text("label", "Nom de la régie", &v.label).autocomplete("off"),
            Field::text("numcli", "Numéro de client PayFiP", &v.numcli)
                .autocomplete("off")
                .hint("Six chiffres, donnés par la DGFiP à l’adhésion de la régie"),
            Field::radios("mode", "Mode", modes),
            Field::email("email", "Adresse électronique de la régie", &v.email)
                .hint("Elle reçoit une copie des reçus de paiement"),
        ])],
    )
    .with_id("regie")
}

fn invoice_form(regie: i64, csrf_token: String, v: &InvoiceInput) -> Form {
    Form::new(
        &format!("/backoffice/regies/{regie}/factures"),
        csrf_token,
        "Créer la facture",
        vec![Section::plain(vec![
            Field::text("household", "Numéro du foyer", &v.household).autocomplete("off"),
            Field::text("reference", "Référence de la facture", &v.reference)
                .autocomplete("off")
                .hint("Celle du logiciel de facturation, par exemple F2026-0042"),
            Field::text("label", "Libellé", &v.label).autocomplete("off"),
            Field::text("amount", "Montant en euros", &v.amount)
                .optional()
                .autocomplete("off")
                .hint("Par exemple 42,50 ; vide avec un détail : son total"),
            Field::date("issued_on", "Date d’émission", &v.issued_on),
            Field::date("due_on", "Date d’échéance", &v.due_on).optional(),
            Field::textarea("lines", "Détail de la facture", &v.lines)
                .optional()
                .hint("Une ligne par prestation : libellé ; quantité ; prix unitaire, par exemple « Repas ; 12 ; 3,50 »"),
        ])],
    )
    .with_id("facture")
}

fn account_form(regie: i64, csrf_token: String, v: &AccountInput) -> Form {
    Form::new(
        &format!("/backoffice/regies/{regie}/comptes"),
        csrf_token,
        "Ouvrir le compte",
        vec![Section::plain(vec![
            Field::text("household", "Numéro du foyer titulaire", &v.household).autocomplete("off"),
            Field::text("reference", "Référence du compte", &v.reference)
                .autocomplete("off")
                .hint("Celle du logiciel de facturation"),
            Field::text("label", "Libellé du compte", &v.label)
                .autocomplete("off")
                .hint("Par exemple : Compte de garderie périscolaire"),
            Field::text("balance", "Solde actuel en euros", &v.balance)
                .optional()
                .autocomplete("off")
                .hint("Vide : zéro ; négatif : une somme due"),
        ])],
    )
    .with_id("compte")
}

fn fee_form(
    regie: i64,
    csrf_token: String,
    services: &[(String, String)],
    chosen: &str,
    amount: &str,
) -> Form {
    Form::new(
        &format!("/backoffice/regies/{regie}/frais"),
        csrf_token,
        "Enregistrer les frais",
        vec![Section::plain(vec![
            Field::select(
                "teleservice",
                "Téléservice",
                options(
                    "Choisissez le téléservice",
                    chosen,
                    services.iter().cloned(),
                ),
            ),
            Field::text("amount", "Frais de dossier en euros", amount)
                .optional()
                .autocomplete("off")
                .hint("Dus à l’envoi de chaque demande, un euro au moins ; vide : plus de frais"),
        ])],
    )
    .with_id("frais")
}

fn categories_form(regie: i64, csrf_token: String, categories: &[(i64, String, bool)]) -> Form {
    Form::new(
        &format!("/backoffice/regies/{regie}/categories"),
        csrf_token,
        "Enregistrer les catégories",
        vec![Section::plain(vec![Field::checkboxes(
            "categorie",
            "Catégories dont la régie encaisse les frais de dossier",
            categories
                .iter()
                .map(|(id, name, ours)| (id.to_string(), name.clone(), *ours))
                .collect(),
        )
        .optional()])],
    )
    .with_id("categories")
}

fn card_form(regie: i64, csrf_token: String, v: &Pairs) -> Form {
    Form::new(
        &format!("/backoffice/regies/{regie}/carte"),
        csrf_token,
        "Enregistrer le paiement par carte",
        vec![Section::plain(vec![
            Field::text("household", "Numéro du foyer payeur", &v.get("household"))
                .autocomplete("off"),
            Field::text(
                "references",
                "Références des factures payées",
                &v.get("references"),
            )
            .autocomplete("off")
            .hint("Séparées par des espaces ou des virgules, par exemple F2026-0042 F2026-0043"),
            Field::text(
                "authorisation",
                "Numéro d’autorisation du ticket de carte",
                &v.get("authorisation"),
            )
            .optional()
            .autocomplete("off"),
        ])],
    )
    .with_id("carte")
}

fn import_form(regie: i64, csrf_token: String) -> Form {
    Form::new(
        &format!("/backoffice/regies/{regie}/import"),
        csrf_token,
        "Importer les factures",
        vec![Section::plain(vec![Field::file(
            "file",
            "Fichier CSV des factures",
            "text/csv,.csv",
            false,
        )
        .hint(&format!(
            "Une facture par ligne, colonnes séparées par des points-virgules : {IMPORT_COLUMNS} ; dates comme 30/11/2026. Une facture déjà importée est reconnue à sa référence."
        ))])],
    )
    .multipart()
    .with_id("import")
}

#[derive(Serialize)]
struct RegiesPage {
    layout: Layout,
    regies: Vec<Regie>,
    form: Form,
}

async fn regies_page(
    agent: &SignedInAgent,
    session: &Session,
    store: &Store,
    pages: &Renderer,
    status: StatusCode,
    form: Option<Form>,
) -> Result<HttpResponse, AppError> {
    let (desk, list) = read_as_administrator(store, agent, regies::list).await?;
    let form = sealed(form.unwrap_or_else(|| {
        regie_form(
            "/backoffice/regies",
            csrf::token(session).unwrap_or_default(),
            &RegieInput {
                mode: "test".into(),
                ..RegieInput::default()
            },
            "Créer la régie",
        )
    }));
    let title = &guichet_web::render::title("Régies", form.has_errors());
    let layout = desk::layout(agent, &desk, title, Nav::Payments, session)?;
    Ok(html(
        status,
        pages.render(
            "backoffice/regies",
            &RegiesPage {
                layout,
                regies: list,
                form,
            },
        )?,
    ))
}

pub(crate) async fn regies_list(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    regies_page(&agent, &session, &store, &pages, StatusCode::OK, None).await
}

fn regie_input(p: &Pairs) -> RegieInput {
    RegieInput {
        label: p.get("label"),
        numcli: p.get("numcli"),
        mode: p.get("mode"),
        email: p.get("email"),
    }
}

pub(crate) async fn regie_create(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let input = regie_input(&Pairs(pairs));
    let i = input.clone();
    match write_as_administrator(&store, &agent, move |t, actor| regies::create(t, actor, &i)).await
    {
        Ok(r) => Ok(see_other(format!("/backoffice/regies/{}?fait=1", r.id))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut form = regie_form(
                "/backoffice/regies",
                csrf::token(&session)?,
                &input,
                "Créer la régie",
            );
            let status = form.refused(e)?;
            regies_page(&agent, &session, &store, &pages, status, Some(form)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Serialize)]
struct RegiePage {
    layout: Layout,
    regie: Regie,
    invoices: Vec<billing::Invoice>,
    accounts: Vec<billing::Account>,
    fees: Vec<guichet_core::payments::fees::Fee>,
    categories: Form,
    card: Form,
    edit: Form,
    invoice: Form,
    account: Form,
    fee: Form,
    import: Form,
    report: Option<ImportReport>,
    done: bool,
}

#[derive(Default)]
struct Shown {
    edit: Option<Form>,
    invoice: Option<Form>,
    account: Option<Form>,
    fee: Option<Form>,
    card: Option<Form>,
    categories: Option<Form>,
    import: Option<Form>,
    report: Option<ImportReport>,
    done: bool,
}

async fn regie_page(
    agent: &SignedInAgent,
    session: &Session,
    store: &Store,
    pages: &Renderer,
    id: i64,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let (desk, (regie, invoices, accounts, fees, services, categories)) =
        read_as_administrator(store, agent, move |t| {
            let regie = regies::get(t, id)?;
            let invoices = rows::invoices_of_regie(t, id, 200)?
                .into_iter()
                .map(billing::invoice_view)
                .collect();
            let invoices = billing::with_lines(t, invoices)?;
            let accounts = rows::accounts_of_regie(t, id)?
                .into_iter()
                .map(billing::account_view)
                .collect();
            let fees = guichet_core::payments::fees::of_regie(t, id)?;
            let services = teleservice_choices(t)?;
            let categories = rows::categories_for(t, id)?;
            Ok((regie, invoices, accounts, fees, services, categories))
        })
        .await?;
    let token = csrf::token(session)?;
    let edit = sealed(shown.edit.unwrap_or_else(|| {
        regie_form(
            &format!("/backoffice/regies/{id}"),
            token.clone(),
            &RegieInput {
                label: regie.label.clone(),
                numcli: regie.numcli.clone(),
                mode: regie.mode.clone(),
                email: regie.email.clone(),
            },
            "Enregistrer la régie",
        )
    }));
    let invoice = sealed(
        shown
            .invoice
            .unwrap_or_else(|| invoice_form(id, token.clone(), &InvoiceInput::default())),
    );
    let account = sealed(
        shown
            .account
            .unwrap_or_else(|| account_form(id, token.clone(), &AccountInput::default())),
    );
    let import = sealed(
        shown
            .import
            .unwrap_or_else(|| import_form(id, token.clone())),
    );
    let categories = sealed(
        shown
            .categories
            .unwrap_or_else(|| categories_form(id, token.clone(), &categories)),
    );
    let card = sealed(
        shown
            .card
            .unwrap_or_else(|| card_form(id, token.clone(), &Pairs(Vec::new()))),
    );
    let fee = sealed(
        shown
            .fee
            .unwrap_or_else(|| fee_form(id, token.clone(), &services, "", "")),
    );
    let errors = edit.has_errors()
        || invoice.has_errors()
        || account.has_errors()
        || import.has_errors()
        || fee.has_errors();
    let title = guichet_web::render::title(&format!("Régie « {} »", regie.label), errors);
    let layout = desk::layout(agent, &desk, &title, Nav::Payments, session)?;
    Ok(html(
        status,
        pages.render(
            "backoffice/regie",
            &RegiePage {
                layout,
                regie,
                invoices,
                accounts,
                fees,
                categories,
                card,
                edit,
                invoice,
                account,
                fee,
                import,
                report: shown.report,
                done: shown.done,
            },
        )?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    fait: String,
}

pub(crate) async fn regie_show(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    done: web::Query<Done>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        done: !done.fait.is_empty(),
        ..Shown::default()
    };
    regie_page(
        &agent,
        &session,
        &store,
        &pages,
        id.into_inner(),
        StatusCode::OK,
        shown,
    )
    .await
}

/// The categories the régie collects for.
pub(crate) async fn categories_set(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let ids: Vec<i64> = Pairs(pairs)
        .all("categorie")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    match write_as_administrator(&store, &agent, move |t, actor| {
        guichet_core::payments::fees::set_categories(t, actor, id, &ids)
    })
    .await
    {
        Ok(()) => Ok(see_other(format!(
            "/backoffice/regies/{id}?fait=1#frais-de-dossier"
        ))),
        Err(e @ AppError::Invalid(_)) => {
            let (_, categories) =
                read_as_administrator(&store, &agent, move |t| Ok(rows::categories_for(t, id)?))
                    .await?;
            let form = categories_form(id, csrf::token(&session)?, &categories);
            At::new(&agent, &session, &store, &pages, id)
                .refused(form, e, |f| Shown {
                    categories: Some(f),
                    ..Shown::default()
                })
                .await
        }
        Err(e) => Err(e),
    }
}

/// A régie's page, for one request.
struct At<'a> {
    agent: &'a SignedInAgent,
    session: &'a Session,
    store: &'a Store,
    pages: &'a Renderer,
    regie: i64,
}

impl<'a> At<'a> {
    fn new(
        agent: &'a SignedInAgent,
        session: &'a Session,
        store: &'a Store,
        pages: &'a Renderer,
        regie: i64,
    ) -> At<'a> {
        At {
            agent,
            session,
            store,
            pages,
            regie,
        }
    }

    /// A refused form shown again on the régie's page, where `place` puts it.
    async fn refused(
        &self,
        mut form: Form,
        e: AppError,
        place: impl FnOnce(Form) -> Shown,
    ) -> Result<HttpResponse, AppError> {
        let status = form.refused(e)?;
        let (a, s, st, p) = (self.agent, self.session, self.store, self.pages);
        regie_page(a, s, st, p, self.regie, status, place(form)).await
    }

    /// A change sent from the régie's page: made, the browser goes to
    /// `done`; refused, the page again with the form `again` makes.
    async fn change<T, F>(
        &self,
        f: F,
        done: impl FnOnce(T) -> String,
        again: impl FnOnce(String) -> Form,
        place: impl FnOnce(Form) -> Shown,
    ) -> Result<HttpResponse, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut guichet_core::store::TenantTx<'_>, &str) -> Result<T, Error>
            + Send
            + 'static,
    {
        match write_as_administrator(self.store, self.agent, f).await {
            Ok(made) => Ok(see_other(done(made))),
            Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
                let form = again(csrf::token(self.session)?);
                self.refused(form, e, place).await
            }
            Err(e) => Err(e),
        }
    }
}

pub(crate) async fn regie_update(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = regie_input(&Pairs(pairs));
    let i = input.clone();
    At::new(&agent, &session, &store, &pages, id)
        .change(
            move |t, actor| regies::update(t, actor, id, &i),
            |_| format!("/backoffice/regies/{id}?fait=1"),
            |csrf| {
                let action = format!("/backoffice/regies/{id}");
                regie_form(&action, csrf, &input, "Enregistrer la régie")
            },
            |f| Shown {
                edit: Some(f),
                ..Shown::default()
            },
        )
        .await
}

pub(crate) async fn invoice_create(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let p = Pairs(pairs);
    let input = InvoiceInput {
        household: p.get("household"),
        reference: p.get("reference"),
        label: p.get("label"),
        amount: p.get("amount"),
        issued_on: p.get("issued_on"),
        due_on: p.get("due_on"),
        lines: p.get("lines"),
    };
    let i = input.clone();
    At::new(&agent, &session, &store, &pages, id)
        .change(
            move |t, actor| billing::create_invoice(t, actor, id, &i),
            |_| format!("/backoffice/regies/{id}?fait=1#factures"),
            |csrf| invoice_form(id, csrf, &input),
            |f| Shown {
                invoice: Some(f),
                ..Shown::default()
            },
        )
        .await
}

pub(crate) async fn account_create(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let p = Pairs(pairs);
    let input = AccountInput {
        household: p.get("household"),
        reference: p.get("reference"),
        label: p.get("label"),
        balance: p.get("balance"),
    };
    let i = input.clone();
    At::new(&agent, &session, &store, &pages, id)
        .change(
            move |t, actor| billing::create_account(t, actor, id, &i),
            |_| format!("/backoffice/regies/{id}?fait=1#comptes"),
            |csrf| account_form(id, csrf, &input),
            |f| Shown {
                account: Some(f),
                ..Shown::default()
            },
        )
        .await
}

/// A payment by card at the collectivité's terminal, recorded by an agent.
pub(crate) async fn card_record(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let p = Pairs(pairs);
    let (h, r, a) = (
        p.get("household"),
        p.get("references"),
        p.get("authorisation"),
    );
    At::new(&agent, &session, &store, &pages, id)
        .change(
            move |t, actor| online::record_card(t, actor, id, &h, &r, &a),
            |payment| format!("/backoffice/paiements/{payment}"),
            |csrf| card_form(id, csrf, &p),
            |f| Shown {
                card: Some(f),
                ..Shown::default()
            },
        )
        .await
}

/// Every téléservice of the collectivité: (code, label).
fn teleservice_choices(
    t: &mut guichet_core::store::TenantTx<'_>,
) -> Result<Vec<(String, String)>, Error> {
    Ok(guichet_core::store::repo::offer::teleservices(t)?
        .into_iter()
        .map(|s| (s.code, s.label))
        .collect())
}

pub(crate) async fn fee_set(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let p = Pairs(pairs);
    let (code, amount) = (p.get("teleservice"), p.get("amount"));
    let (c, a) = (code.clone(), amount.clone());
    match write_as_administrator(&store, &agent, move |t, actor| {
        guichet_core::payments::fees::set(t, actor, id, &c, &a)
    })
    .await
    {
        Ok(()) => Ok(see_other(format!(
            "/backoffice/regies/{id}?fait=1#frais-de-dossier"
        ))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (_, services) = read_as_administrator(&store, &agent, teleservice_choices).await?;
            let form = fee_form(id, csrf::token(&session)?, &services, &code, &amount);
            At::new(&agent, &session, &store, &pages, id)
                .refused(form, e, |f| Shown {
                    fee: Some(f),
                    ..Shown::default()
                })
                .await
        }
        Err(e) => Err(e),
    }
}

/// The largest CSV imported at once.
const IMPORT_LIMIT: usize = 2 * 1024 * 1024;

pub(crate) async fn import(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    // Only administrators send anything here.
    read_as_administrator(&store, &agent, move |t| regies::get(t, id).map(drop)).await?;
    let refused = |e: AppError, session: &Session| -> Result<(StatusCode, Form), AppError> {
        let mut form = import_form(id, csrf::token(session)?);
        let status = match e {
            AppError::TooLarge(m) | AppError::BadRequest(m) => {
                form.field_errors(vec![guichet_core::error::FieldError {
                    field: "file".into(),
                    message: m,
                }]);
                StatusCode::BAD_REQUEST
            }
            other => return Err(other),
        };
        Ok((status, form))
    };
    let received = match upload::receive_text(payload, &session, "file", IMPORT_LIMIT).await {
        Ok(f) => f,
        Err(e) => {
            let (status, form) = refused(e, &session)?;
            let shown = Shown {
                import: Some(form),
                ..Shown::default()
            };
            return regie_page(&agent, &session, &store, &pages, id, status, shown).await;
        }
    };
    let Some((_, text)) = received.texts.into_iter().next() else {
        let (status, form) = refused(
            AppError::BadRequest("Choisissez le fichier CSV à importer.".into()),
            &session,
        )?;
        let shown = Shown {
            import: Some(form),
            ..Shown::default()
        };
        return regie_page(&agent, &session, &store, &pages, id, status, shown).await;
    };
    let report = write_as_administrator(&store, &agent, move |t, actor| {
        billing::import(t, actor, id, &text)
    })
    .await?;
    let status = if report.refused.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let shown = Shown {
        report: Some(report),
        ..Shown::default()
    };
    regie_page(&agent, &session, &store, &pages, id, status, shown).await
}

// --- Payments.

#[derive(Serialize)]
struct SearchPage {
    layout: Layout,
    form: Form,
    payments: Vec<PaymentView>,
    total: i64,
    query: String,
    previous: Option<String>,
    next: Option<String>,
    sorts: Vec<SortLink>,
}

#[derive(Serialize)]
struct SortLink {
    label: &'static str,
    href: String,
    current: bool,
}

fn query_string(q: &PaymentQuery, tri: &str, page: i64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("etat", &q.etat), ("regie", &q.regie), ("mode", &q.mode)] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if !tri.is_empty() {
        s.append_pair("tri", tri);
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    s.finish()
}

pub(crate) async fn search(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    query: web::Query<PaymentQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let q2 = q.clone();
    let (desk, ((found, total), list)) = read_as_administrator(&store, &agent, move |t| {
        Ok((tracking::search(t, &q2)?, regies::list(t)?))
    })
    .await?;
    let form = Form::search(
        "/backoffice/paiements",
        "Rechercher",
        vec![Section::plain(vec![
            Field::select(
                "etat",
                "État du paiement",
                options(
                    "Tous",
                    &q.etat,
                    PaymentState::ALL
                        .iter()
                        .map(|s| (s.code().to_owned(), s.label().to_owned())),
                ),
            )
            .optional(),
            Field::select(
                "regie",
                "Régie",
                options(
                    "Toutes",
                    &q.regie,
                    list.iter().map(|r| (r.id.to_string(), r.label.clone())),
                ),
            )
            .optional(),
            Field::select(
                "mode",
                "Mode de paiement",
                options(
                    "Tous",
                    &q.mode,
                    PaymentMode::ALL
                        .iter()
                        .map(|m| (m.code().to_owned(), m.label().to_owned())),
                ),
            )
            .optional(),
        ])],
    )
    .hidden("tri", &q.tri)
    .with_id("recherche");
    let page = q.page();
    let pages_count = (total + tracking::PAGE_SIZE - 1) / tracking::PAGE_SIZE;
    let sorts = [
        ("date", "Date de début"),
        ("usager", "Nom de l’usager"),
        ("compte", "Numéro de compte"),
    ]
    .into_iter()
    .map(|(key, label)| SortLink {
        label,
        href: format!("/backoffice/paiements?{}", query_string(&q, key, 1)),
        current: q.tri == key || (key == "date" && !matches!(q.tri.as_str(), "usager" | "compte")),
    })
    .collect();
    let layout = desk::layout(&agent, &desk, "Paiements", Nav::Payments, &session)?;
    Ok(html(
        StatusCode::OK,
        pages.render(
            "backoffice/payments",
            &SearchPage {
                layout,
                form: sealed(form),
                payments: found,
                total,
                query: query_string(&q, &q.tri, 1),
                previous: (page > 1).then(|| query_string(&q, &q.tri, page - 1)),
                next: (page < pages_count).then(|| query_string(&q, &q.tri, page + 1)),
                sorts,
            },
        )?,
    ))
}

/// The payments found, every one, as CSV for the accounting service,
/// streamed a thousand payments per read transaction.
pub(crate) async fn export(
    agent: SignedInAgent,
    store: web::Data<Store>,
    query: web::Query<PaymentQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    // Checked before the first byte.
    read_as_administrator(&store, &agent, |_| Ok::<_, Error>(())).await?;
    let body = guichet_web::tx::stream(&store, &agent, move |p| {
        let (db, body) = (&p.db, &mut p.body);
        let mut sheet = Sheet::start(Format::Csv, body, "Paiements")?;
        let head: Vec<Cell> = tracking::EXPORT_COLUMNS
            .iter()
            .map(|c| (*c).into())
            .collect();
        sheet.row(&head)?;
        let mut offset = 0;
        loop {
            let rows = db
                .read(|t| tracking::export_page(t, &q, offset))
                .map_err(std::io::Error::other)?;
            if rows.is_empty() {
                break;
            }
            offset += rows.len() as i64;
            for line in &rows {
                sheet.row(line)?;
            }
        }
        sheet.finish()
    });
    Ok(HttpResponse::Ok()
        .content_type(Format::Csv.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"paiements.csv\"",
        ))
        .streaming(body))
}

#[derive(Serialize)]
struct PaymentPage {
    layout: Layout,
    payment: PaymentView,
    events: Vec<online::EventView>,
    csrf_token: String,
    error: Option<String>,
}

async fn payment_page(
    agent: &SignedInAgent,
    session: &Session,
    store: &Store,
    pages: &Renderer,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (desk, (payment, events)) = read_as_administrator(store, agent, move |t| {
        Ok((online::view(t, None, id)?, online::events(t, id)?))
    })
    .await?;
    let title = format!("Paiement {}", payment.reference);
    let layout = desk::layout(agent, &desk, &title, Nav::Payments, session)?;
    Ok(html(
        status,
        pages.render(
            "backoffice/payment",
            &PaymentPage {
                layout,
                payment,
                events,
                csrf_token: csrf::token(session)?,
                error,
            },
        )?,
    ))
}

pub(crate) async fn show(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    payment_page(
        &agent,
        &session,
        &store,
        &pages,
        id.into_inner(),
        StatusCode::OK,
        None,
    )
    .await
}

/// Asks the bank now what became of a payment in progress.
pub(crate) async fn recheck(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    online: web::Data<Online>,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    read_as_administrator(&store, &agent, move |t| online::view(t, None, id).map(drop)).await?;
    let (tenant, s, provider) = (agent.tenant.id, store.clone(), online.0.clone());
    let asked = blocking(move || {
        online::check(&s, tenant, provider.as_ref(), id, "poll").map_err(AppError::from)
    })
    .await;
    match asked {
        Ok(_) => Ok(see_other(format!("/backoffice/paiements/{id}"))),
        Err(AppError::Conflict(m)) => {
            let m = Some(guichet_web::sentence(&m));
            payment_page(
                &agent,
                &session,
                &store,
                &pages,
                id,
                StatusCode::SERVICE_UNAVAILABLE,
                m,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DayQuery {
    regie: String,
    jour: String,
}

#[derive(Serialize)]
struct ReconciliationPage {
    layout: Layout,
    form: Form,
    result: Option<Reconciliation>,
}

pub(crate) async fn reconciliation(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let day = guichet_core::domain::forms::parse_date(q.jour.trim())
        .unwrap_or_else(guichet_core::domain::time::today);
    let regie: Option<i64> = q.regie.parse().ok();
    let (desk, (list, result)) = read_as_administrator(&store, &agent, move |t| {
        let list = regies::list(t)?;
        let chosen = regie.or_else(|| list.first().map(|r| r.id));
        let result = match chosen {
            Some(r) => Some(tracking::reconcile(t, r, day)?),
            None => None,
        };
        Ok((list, result))
    })
    .await?;
    let chosen = regie.map(|r| r.to_string()).unwrap_or_default();
    let form = Form::search(
        "/backoffice/paiements/rapprochement",
        "Afficher",
        vec![Section::plain(vec![
            Field::select(
                "regie",
                "Régie",
                list.iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let on = r.id.to_string() == chosen || (chosen.is_empty() && i == 0);
                        (r.id.to_string(), r.label.clone(), on)
                    })
                    .collect(),
            ),
            Field::date("jour", "Jour", &day.format("%Y-%m-%d").to_string()),
        ])],
    )
    .with_id("jour");
    let layout = desk::layout(
        &agent,
        &desk,
        "Rapprochement des paiements",
        Nav::Payments,
        &session,
    )?;
    Ok(html(
        StatusCode::OK,
        pages.render(
            "backoffice/reconciliation",
            &ReconciliationPage {
                layout,
                form: sealed(form),
                result,
            },
        )?,
    ))
}

// --- Settings.

const SETTINGS: &str = "Réglages des paiements";

fn settings_form(csrf_token: String, v: &SettingsInput) -> Form {
    Form::new(
        "/backoffice/paiements/reglages",
        csrf_token,
        "Enregistrer les réglages",
        vec![
            Section::titled(
                "Suspendre le paiement en ligne",
                Some("Pendant cette période, « Mes paiements » montre votre message au lieu du paiement. Laissez les dates vides pour ne rien suspendre."),
                vec![
                    Field::date("off_from", "Suspendu à partir du", &v.off_from).optional(),
                    Field::date("off_until", "Jusqu’au (inclus)", &v.off_until).optional(),
                    Field::textarea("off_message", "Message aux usagers pendant la suspension", &v.off_message)
                        .optional(),
                ],
            ),
            Section::titled(
                "Ce que les usagers voient",
                None,
                vec![
                    Field::checkbox("show_in_progress", "Montrer les paiements en cours", v.show_in_progress),
                    Field::checkbox("show_history", "Montrer l’historique des paiements", v.show_history),
                ],
            ),
        ],
    )
}

pub(crate) async fn settings_page(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    done: web::Query<Done>,
) -> Result<HttpResponse, AppError> {
    let (desk, current) = read_as_administrator(&store, &agent, online::settings).await?;
    let layout = desk::layout(&agent, &desk, SETTINGS, Nav::Payments, &session)?;
    let intro = (!done.fait.is_empty()).then_some("Les réglages des paiements sont enregistrés.");
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        SETTINGS,
        intro,
        settings_form(csrf::token(&session)?, &tracking::input_of(&current)),
    )
}

pub(crate) async fn settings_save(
    agent: SignedInAgent,
    session: Session,
    store: web::Data<Store>,
    pages: web::Data<Renderer>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let p = Pairs(pairs);
    let input = SettingsInput {
        off_from: p.get("off_from"),
        off_until: p.get("off_until"),
        off_message: p.get("off_message"),
        show_in_progress: p.get("show_in_progress") == "oui",
        show_history: p.get("show_history") == "oui",
    };
    let i = input.clone();
    match write_as_administrator(&store, &agent, move |t, actor| {
        tracking::save_settings(t, actor, &i)
    })
    .await
    {
        Ok(()) => Ok(see_other("/backoffice/paiements/reglages?fait=1".into())),
        Err(e @ AppError::Invalid(_)) => {
            let (desk, _) = read_as_administrator(&store, &agent, |_| Ok(())).await?;
            let layout = desk::layout(
                &agent,
                &desk,
                &guichet_web::render::title(SETTINGS, true),
                Nav::Payments,
                &session,
            )?;
            let mut form = settings_form(csrf::token(&session)?, &input);
            let status = form.refused(e)?;
            form_page(&pages, status, layout, SETTINGS, None, form)
        }
        Err(e) => Err(e),
    }
}
