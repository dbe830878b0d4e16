//! Payments in the back office, for the collectivité's administrators: the
//! régies (PayFiP client number, mode, receipts' address) with their
//! invoices, written one by one or imported from the billing software; the
//! search of payments (state, régie, mode; by payer, account number or
//! date), a payment's page with what the bank said, its CSV for the
//! accounting service; each régie's daily reconciliation; the settings.

mod follow_up;
mod import;
pub(crate) use follow_up::{
    export, recheck, reconciliation, search, settings_page, settings_save, show,
};
pub(crate) use import::import;
use import::import_form;

use actix_multipart::Multipart;
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
use guichet_core::Error;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{form_page, sealed, Field, Form, Pairs, Section};
use guichet_web::sheet::{Cell, Format, Sheet};
use guichet_web::{blocking, upload, AppError, Layout};
use serde::{Deserialize, Serialize};

use crate::cases::options;
use crate::desk::{self, Office, Section as Nav};

use guichet_web::render::{see_other, see_other_with};

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

#[derive(Serialize)]
struct RegiesPage {
    layout: Layout,
    regies: Vec<Regie>,
    form: Form,
}

async fn regies_page(
    office: &Office,
    status: StatusCode,
    form: Option<Form>,
) -> Result<HttpResponse, AppError> {
    let (desk, list) = office
        .read(|t, desk| {
            desk::administrator(desk)?;
            regies::list(t)
        })
        .await?;
    let form = sealed(form.unwrap_or_else(|| {
        regie_form(
            "/backoffice/regies",
            office.csrf().unwrap_or_default(),
            &RegieInput {
                mode: "test".into(),
                ..RegieInput::default()
            },
            "Créer la régie",
        )
    }));
    let title = &guichet_web::render::title("Régies", form.has_errors());
    let layout = office.layout(&desk, title, Nav::Payments)?;
    Ok(html(
        status,
        office.pages.render(
            "backoffice/regies",
            &RegiesPage {
                layout,
                regies: list,
                form,
            },
        )?,
    ))
}

pub(crate) async fn regies_list(office: Office) -> Result<HttpResponse, AppError> {
    regies_page(&office, StatusCode::OK, None).await
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
    office: Office,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let input = regie_input(&Pairs(pairs));
    let i = input.clone();
    let created = office
        .write(move |t, desk| {
            desk::administrator(desk)?;
            let actor = desk.name.as_str();
            regies::create(t, actor, &i)
        })
        .await;
    match created {
        Ok(r) => see_other_with(
            &office.session,
            format!("/backoffice/regies/{}", r.id),
            DONE,
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut form = regie_form(
                "/backoffice/regies",
                office.csrf()?,
                &input,
                "Créer la régie",
            );
            let status = form.refused(e)?;
            regies_page(&office, status, Some(form)).await
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
}

async fn regie_page(
    office: &Office,
    id: i64,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let (desk, (regie, invoices, accounts, fees, services, categories)) = office
        .read(move |t, desk| {
            desk::administrator(desk)?;
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
    let token = office.csrf()?;
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
    let layout = office.layout(&desk, &title, Nav::Payments)?;
    Ok(html(
        status,
        office.pages.render(
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
            },
        )?,
    ))
}

/// What a change of the régie's page says once made.
const DONE: &str = "C’est enregistré.";

pub(crate) async fn regie_show(
    office: Office,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    regie_page(&office, id.into_inner(), StatusCode::OK, Shown::default()).await
}

/// The categories the régie collects for.
pub(crate) async fn categories_set(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let ids: Vec<i64> = Pairs(pairs)
        .all("categorie")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let set = office
        .write(move |t, desk| {
            desk::administrator(desk)?;
            let actor = desk.name.as_str();
            guichet_core::payments::fees::set_categories(t, actor, id, &ids)
        })
        .await;
    match set {
        Ok(()) => see_other_with(
            &office.session,
            format!("/backoffice/regies/{id}#frais-de-dossier"),
            DONE,
        ),
        Err(e @ AppError::Invalid(_)) => {
            let (_, categories) = office
                .read(move |t, desk| {
                    desk::administrator(desk)?;
                    Ok(rows::categories_for(t, id)?)
                })
                .await?;
            let form = categories_form(id, office.csrf()?, &categories);
            At::new(&office, id)
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
    office: &'a Office,
    regie: i64,
}

impl<'a> At<'a> {
    fn new(office: &'a Office, regie: i64) -> At<'a> {
        At { office, regie }
    }

    /// A refused form shown again on the régie's page, where `place` puts it.
    async fn refused(
        &self,
        mut form: Form,
        e: AppError,
        place: impl FnOnce(Form) -> Shown,
    ) -> Result<HttpResponse, AppError> {
        let status = form.refused(e)?;
        regie_page(self.office, self.regie, status, place(form)).await
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
        let made = self
            .office
            .write(move |t, desk| {
                desk::administrator(desk)?;
                let actor = desk.name.as_str();
                f(t, actor)
            })
            .await;
        match made {
            Ok(made) => see_other_with(&self.office.session, done(made), DONE),
            Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
                let form = again(self.office.csrf()?);
                self.refused(form, e, place).await
            }
            Err(e) => Err(e),
        }
    }
}

pub(crate) async fn regie_update(
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = regie_input(&Pairs(pairs));
    let i = input.clone();
    At::new(&office, id)
        .change(
            move |t, actor| regies::update(t, actor, id, &i),
            |_| format!("/backoffice/regies/{id}"),
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
    office: Office,
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
    At::new(&office, id)
        .change(
            move |t, actor| billing::create_invoice(t, actor, id, &i),
            |_| format!("/backoffice/regies/{id}#factures"),
            |csrf| invoice_form(id, csrf, &input),
            |f| Shown {
                invoice: Some(f),
                ..Shown::default()
            },
        )
        .await
}

pub(crate) async fn account_create(
    office: Office,
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
    At::new(&office, id)
        .change(
            move |t, actor| billing::create_account(t, actor, id, &i),
            |_| format!("/backoffice/regies/{id}#comptes"),
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
    office: Office,
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
    At::new(&office, id)
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
    office: Office,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let p = Pairs(pairs);
    let (code, amount) = (p.get("teleservice"), p.get("amount"));
    let (c, a) = (code.clone(), amount.clone());
    let set = office
        .write(move |t, desk| {
            desk::administrator(desk)?;
            let actor = desk.name.as_str();
            guichet_core::payments::fees::set(t, actor, id, &c, &a)
        })
        .await;
    match set {
        Ok(()) => see_other_with(
            &office.session,
            format!("/backoffice/regies/{id}#frais-de-dossier"),
            DONE,
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (_, services) = office
                .read(|t, desk| {
                    desk::administrator(desk)?;
                    teleservice_choices(t)
                })
                .await?;
            let form = fee_form(id, office.csrf()?, &services, &code, &amount);
            At::new(&office, id)
                .refused(form, e, |f| Shown {
                    fee: Some(f),
                    ..Shown::default()
                })
                .await
        }
        Err(e) => Err(e),
    }
}
