//! « Mes paiements »: what the foyer owes, paid online through the
//! collectivité's payment service; the payer's return and the provider's
//! notification, each only a reason to ask the provider what became of the
//! payment; a payment's page and its receipt.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_core::payments::online::{self, Addresses, Basket, Online, Overview, Payer};
use guichet_core::store::Store;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{sealed, Field, Form, Pairs, Section};
use guichet_web::security::with_form_action;
use guichet_web::tenant::CurrentTenant;
use guichet_web::{blocking, AppError, Layout};
use serde::{Deserialize, Serialize};

use crate::page::{base_url, see_other, Home, Me, Section as Nav};

const TITLE: &str = "Mes paiements";

/// This collectivité's addresses, as the provider must call them.
struct Here(String);

impl Addresses for Here {
    fn notify(&self) -> String {
        format!("{}/paiements/notification", self.0)
    }
    fn back(&self, payment: i64) -> String {
        format!("{}/paiements/{payment}/retour", self.0)
    }
}

/// The pay form: the owed invoices to tick, the accounts to top up.
fn pay_form(csrf_token: String, o: &Overview, chosen: &Pairs) -> Option<Form> {
    if o.off.is_some() || (o.owed.is_empty() && o.accounts.is_empty()) {
        return None;
    }
    let ticked = chosen.all("facture");
    let mut sections = Vec::new();
    if !o.owed.is_empty() {
        let options = o
            .owed
            .iter()
            .map(|i| {
                let id = i.id.to_string();
                let due = i
                    .due_on
                    .as_ref()
                    .map(|d| format!(", à payer avant le {d}"))
                    .unwrap_or_default();
                let on = ticked.contains(&id);
                (
                    id,
                    format!("{} — {} : {}{due}", i.reference, i.label, i.amount),
                    on,
                )
            })
            .collect();
        sections.push(Section::plain(vec![Field::checkboxes(
            "facture",
            "Factures à payer",
            options,
        )]));
    }
    if !o.accounts.is_empty() {
        sections.push(Section::titled(
            "Approvisionner un compte",
            Some("Indiquez le montant à ajouter (un euro au moins) ; laissez vide les comptes à ne pas approvisionner."),
            o.accounts
                .iter()
                .map(|a| {
                    let name = format!("compte_{}", a.id);
                    Field::text(
                        &name,
                        &format!("{} (solde : {}), montant à ajouter en euros", a.label, a.balance),
                        &chosen.get(&name),
                    )
                    .optional()
                    .autocomplete("off")
                    .hint("Par exemple 20,00")
                })
                .collect(),
        ));
    }
    Some(Form::new("/paiements", csrf_token, "Payer en ligne", sections).with_id("payer"))
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    overview: Overview,
    form: Option<Form>,
    /// Payments open at the bank: to go back to, or give up.
    open: Vec<OpenPayment>,
    csrf_token: String,
    abandoned: bool,
}

#[derive(Serialize)]
struct OpenPayment {
    id: i64,
    reference: String,
    amount: String,
    started_at: String,
    url: String,
}

fn open_payments(o: &Overview, online: &Online) -> Vec<OpenPayment> {
    o.in_progress
        .iter()
        .filter(|p| p.open)
        .filter_map(|p| {
            Some(OpenPayment {
                id: p.id,
                reference: p.reference.clone(),
                amount: p.amount.clone(),
                started_at: p.started_at.clone(),
                url: online.0.page_url(p.provider_ref.as_deref()?),
            })
        })
        .collect()
}

async fn load(home: &Home) -> Result<(Me, Overview), AppError> {
    home.read(move |t, me| online::overview(t, me.foyer_id()))
        .await
}

/// « Mes paiements »: its form leads to the bank's page (the redirection
/// after it), which its CSP must allow.
fn list_page(
    home: &Home,
    online: &Online,
    me: &Me,
    overview: Overview,
    form: Option<Form>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let form = form.map(sealed);
    let title = guichet_web::render::title(TITLE, form.as_ref().is_some_and(|f| f.has_errors()));
    let page = home.render(
        status,
        "portal/payments",
        &ListPage {
            layout: home.layout(&title, Nav::Payments, me)?,
            open: open_payments(&overview, online),
            overview,
            form,
            csrf_token: home.csrf()?,
            abandoned: false,
        },
    )?;
    Ok(with_form_action(page, &online.0.page_origin()))
}

pub(crate) async fn list(home: Home, online: web::Data<Online>) -> Result<HttpResponse, AppError> {
    let (me, o) = load(&home).await?;
    let form = pay_form(home.csrf()?, &o, &Pairs(Vec::new()));
    list_page(&home, &online, &me, o, form, StatusCode::OK)
}

/// The payer gives up a payment open at the bank: its invoices are payable
/// again at once (the bank is asked first; paid, it is settled).
pub(crate) async fn abandon(
    home: Home,
    online: web::Data<Online>,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let household = home.me().await?.foyer_id();
    let (tenant, s, provider) = (home.who.tenant.id, home.store.clone(), online.0.clone());
    blocking(move || {
        online::abandon(&s, tenant, provider.as_ref(), household, id).map_err(AppError::from)
    })
    .await?;
    Ok(see_other(format!("/paiements/{id}?abandon=1")))
}

/// Records the payment and sends the payer to the provider's page.
pub(crate) async fn pay(
    home: Home,
    req: HttpRequest,
    online: web::Data<Online>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let chosen = Pairs(pairs);
    let (me, _) = load(&home).await?;
    let basket = Basket {
        invoices: chosen
            .all("facture")
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect(),
        top_ups: chosen
            .0
            .iter()
            .filter_map(|(k, v)| {
                let id = k.strip_prefix("compte_")?.parse().ok()?;
                (!v.trim().is_empty()).then(|| (id, v.clone()))
            })
            .collect(),
    };
    let payer = Payer {
        household: me.foyer_id(),
        name: me.person.name.clone(),
        email: me.person.email.clone(),
    };
    let here = Here(base_url(&req));
    let (tenant, store2, provider) = (home.who.tenant.id, home.store.clone(), online.0.clone());
    let opened = blocking(move || {
        online::start(&store2, tenant, provider.as_ref(), &payer, &basket, &here)
            .map_err(AppError::from)
    })
    .await;
    match opened {
        Ok(o) => Ok(see_other(&o.url)),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (me, o) = load(&home).await?;
            let Some(mut form) = pay_form(home.csrf()?, &o, &chosen) else {
                // Nothing left to pay, or payment off: the page says so.
                return list_page(&home, &online, &me, o, None, StatusCode::CONFLICT);
            };
            let status = form.refused(e)?;
            list_page(&home, &online, &me, o, Some(form), status)
        }
        Err(e) => Err(e),
    }
}

#[derive(Serialize)]
struct PaymentPage {
    layout: Layout,
    payment: online::PaymentView,
    back: bool,
    abandoned_now: bool,
    /// The bank's page of this payment, while it is open there.
    resume: Option<String>,
    csrf_token: String,
}

#[derive(Deserialize)]
pub(crate) struct Shown {
    #[serde(default)]
    retour: String,
    #[serde(default)]
    abandon: String,
}

pub(crate) async fn show(
    home: Home,
    online: web::Data<Online>,
    id: web::Path<i64>,
    shown: web::Query<Shown>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (me, payment) = home
        .read(move |t, me| online::view(t, Some(me.foyer_id()), id))
        .await?;
    let title = format!("Paiement {}", payment.reference);
    home.render(
        StatusCode::OK,
        "portal/payment",
        &PaymentPage {
            layout: home.layout(&title, Nav::Payments, &me)?,
            resume: payment
                .provider_ref
                .as_deref()
                .filter(|_| payment.open)
                .map(|r| online.0.page_url(r)),
            payment,
            back: !shown.retour.is_empty(),
            abandoned_now: !shown.abandon.is_empty(),
            csrf_token: home.csrf()?,
        },
    )
}

pub(crate) async fn receipt(home: Home, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (_, (reference, document)) = home
        .read(move |t, me| online::receipt(t, Some(me.foyer_id()), id))
        .await?;
    let bytes = blocking(move || Ok(document.render())).await?;
    Ok(guichet_web::pdf(
        bytes,
        &format!("Recu_Paiement_{reference}.pdf"),
    ))
}

#[derive(Deserialize)]
pub(crate) struct Back {
    #[serde(default)]
    idop: String,
}

/// The payer's browser back from the provider: whatever it claims, the
/// provider is asked; then the payment's page (or, signed out, a page that
/// tells nothing of it).
pub(crate) async fn back(
    tenant: CurrentTenant,
    store: web::Data<Store>,
    online: web::Data<Online>,
    id: web::Path<i64>,
    query: web::Query<Back>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let idop = query.idop.clone();
    let (t, s, provider) = (tenant.id, store.clone(), online.0.clone());
    // Whatever the return claims, the bank is asked of the idop's payment
    // (an unknown idop asks nothing); the bank down, the poller asks again.
    let _ = blocking(move || {
        online::check_notified(&s, t, provider.as_ref(), &idop, "return").map_err(AppError::from)
    })
    .await;
    Ok(see_other(format!("/paiements/{id}?retour=1")))
}

#[derive(Deserialize)]
pub(crate) struct Notification {
    #[serde(default, rename = "idOp")]
    id_op: String,
    #[serde(default)]
    idop: String,
}

/// The provider's notification, server to server: only the idOp, never
/// trusted; the provider is asked. Unknown idOp: 404, nothing changed.
pub(crate) async fn notify(
    tenant: CurrentTenant,
    store: web::Data<Store>,
    online: web::Data<Online>,
    form: web::Form<Notification>,
) -> Result<HttpResponse, AppError> {
    let idop = if form.id_op.is_empty() {
        form.idop.clone()
    } else {
        form.id_op.clone()
    };
    let (t, s, provider) = (tenant.id, store.clone(), online.0.clone());
    blocking(move || {
        online::check_notified(&s, t, provider.as_ref(), &idop, "notification")
            .map(drop)
            .map_err(AppError::from)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("OK"))
}
