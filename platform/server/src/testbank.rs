//! A test bank: a look-alike of PayFiP's web service on loopback, for the
//! demo and the tests. It speaks the same SOAP on `/tpa/services/securite`
//! (checking the fields as PayFiP does: R3 for a bad `refdet`, A2 for a bad
//! `mel`), answers an `idOp`, shows at `/tpa/paiementws.web?idop=…` a page
//! to pay by card or by direct debit, refuse or abandon, then notifies
//! `urlnotif` (or not, to exercise the poller) and sends the browser back
//! to `urlredirect`. The detail call answers fault P5 until the payment is
//! decided and P1 for an unknown `idOp`. Never for production: it pays
//! whatever is asked.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::http::{header, StatusCode};
use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::Utc;
use guichet_core::domain::payments;
use guichet_core::payments::payfip::leaves;
use rand::RngCore;

const SERVICE_NS: &str = "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/PaiementSecuriseService";
const REPONSE_NS: &str = "http://securite.service.tpa.cp.finances.gouv.fr/reponse";

/// What becomes of the notification once the payer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    /// Posted to `urlnotif`, as PayFiP does.
    Post,
    /// Kept for the caller to deliver (tests of an app served in process).
    Hold,
    /// Never sent (PayFiP's test environment often sends none): the poller
    /// must settle the payment.
    Drop,
}

/// An operation the bank opened.
#[derive(Debug, Clone)]
struct Operation {
    fields: HashMap<String, String>,
    /// P, V, R, Z or A once the payer decided.
    result: Option<String>,
    decided_at: Option<chrono::DateTime<Utc>>,
}

#[derive(Default)]
struct State {
    operations: HashMap<String, Operation>,
    /// Notifications held: (urlnotif, idOp).
    held: Vec<(String, String)>,
    /// Every SOAP request received, as sent.
    requests: Vec<String>,
}

#[derive(Clone)]
pub struct TestBank {
    pub port: u16,
    state: Arc<Mutex<State>>,
    notify: Arc<Mutex<Notify>>,
}

impl TestBank {
    /// Starts the bank on a loopback port of its own, on a thread of its own.
    pub fn start(notify: Notify) -> TestBank {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let bank = TestBank::new(listener.local_addr().map(|a| a.port()).unwrap_or(0), notify);
        let served = bank.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                if let Err(e) = served.serve(listener).await {
                    tracing::error!(error = %e, "banque de test arrêtée");
                }
            })
        });
        bank
    }

    pub fn new(port: u16, notify: Notify) -> TestBank {
        TestBank {
            port,
            state: Arc::new(Mutex::new(State::default())),
            notify: Arc::new(Mutex::new(notify)),
        }
    }

    /// Serves on `listener` until the process ends.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        let data = web::Data::new(self);
        HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/tpa/services/securite", web::post().to(soap))
                .route("/tpa/paiementws.web", web::get().to(page))
                .route("/tpa/paiementws.web", web::post().to(decide))
        })
        .workers(1)
        .listen(listener)?
        .run()
        .await
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set_notify(&self, notify: Notify) {
        *self.notify.lock().unwrap() = notify;
    }

    /// The notifications held, taken: (urlnotif, idOp).
    pub fn take_held(&self) -> Vec<(String, String)> {
        std::mem::take(&mut self.state.lock().unwrap().held)
    }

    /// Every SOAP request received.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Decides a payment as the payer would on the bank's page; answers
    /// where the browser goes back, or `None` for an unknown idOp.
    pub fn pay(&self, id_op: &str, resultrans: &str) -> Option<String> {
        let (notify_url, redirect) = {
            let mut state = self.state.lock().unwrap();
            let op = state.operations.get_mut(id_op)?;
            if op.result.is_none() {
                op.result = Some(resultrans.to_owned());
                op.decided_at = Some(Utc::now());
            }
            let field = |k: &str| op.fields.get(k).cloned().unwrap_or_default();
            (field("urlnotif"), field("urlredirect"))
        };
        match *self.notify.lock().unwrap() {
            Notify::Post => {
                let (url, id) = (notify_url, id_op.to_owned());
                // Server to server, as PayFiP: a form with the idOp alone.
                std::thread::spawn(move || notify(&url, &id));
            }
            Notify::Hold => self
                .state
                .lock()
                .unwrap()
                .held
                .push((notify_url, id_op.to_owned())),
            Notify::Drop => {}
        }
        let mut back = url::Url::parse(&redirect).ok()?;
        back.query_pairs_mut().append_pair("idop", id_op);
        Some(back.to_string())
    }
}

fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>{body}</S:Body></S:Envelope>"
    )
}

fn fault(code: &str, libelle: &str) -> HttpResponse {
    let body = format!(
        "<S:Fault><faultcode>S:Server</faultcode>\
<faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring>\
<detail><ns2:FonctionnelleErreur xmlns:ns2=\"{REPONSE_NS}\"><code>{code}</code><descriptif></descriptif>\
<libelle>{}</libelle><severite>2</severite></ns2:FonctionnelleErreur></detail></S:Fault>",
        quick_xml::escape::escape(libelle)
    );
    HttpResponse::InternalServerError()
        .content_type("text/xml; charset=utf-8")
        .body(envelope(&body))
}

fn ok(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(envelope(&body))
}

async fn soap(bank: web::Data<TestBank>, body: String) -> HttpResponse {
    bank.state.lock().unwrap().requests.push(body.clone());
    let fields: HashMap<String, String> = leaves(&body).into_iter().collect();
    if body.contains("creerPaiementSecurise") {
        create(&bank, fields)
    } else if body.contains("recupererDetailPaiementSecurise") {
        detail(&bank, &fields)
    } else {
        fault("T1", "Opération inconnue")
    }
}

/// `creerPaiementSecurise`: the fields checked as PayFiP does.
fn create(bank: &TestBank, fields: HashMap<String, String>) -> HttpResponse {
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
    if payments::numcli(field("numcli")).is_err() {
        return fault("C1", "Le numéro de client est incorrect");
    }
    if !payments::refdet_ok(field("refdet")) {
        return fault("R3", "Le format du paramètre REFDET n'est pas conforme");
    }
    if !payments::mel_ok(field("mel")) {
        return fault("A2", "Adresse mél incorrecte");
    }
    let amount_ok = field("montant")
        .parse::<i64>()
        .is_ok_and(|m| (100..=10_000_000).contains(&m));
    if !amount_ok {
        return fault("M1", "Le montant est incorrect");
    }
    if !["T", "X", "W"].contains(&field("saisie")) || field("exer").len() != 4 {
        return fault("S1", "Le paramètre SAISIE ou EXER est incorrect");
    }
    let objet_ok = field("objet").len() <= 100
        && field("objet")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ');
    if !objet_ok {
        return fault("O1", "Le format du paramètre OBJET n'est pas conforme");
    }
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let id_op = format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    bank.state.lock().unwrap().operations.insert(
        id_op.clone(),
        Operation {
            fields,
            result: None,
            decided_at: None,
        },
    );
    ok(format!(
        "<ns2:creerPaiementSecuriseResponse xmlns:ns2=\"{SERVICE_NS}\"><return>\
<idOp xmlns=\"{REPONSE_NS}\">{id_op}</idOp></return></ns2:creerPaiementSecuriseResponse>"
    ))
}

/// `recupererDetailPaiementSecurise`: P1 unknown, P5 not decided yet.
fn detail(bank: &TestBank, fields: &HashMap<String, String>) -> HttpResponse {
    let id_op = fields.get("idOp").cloned().unwrap_or_default();
    let state = bank.state.lock().unwrap();
    let Some(op) = state.operations.get(&id_op) else {
        return fault("P1", "IdOp incorrect");
    };
    let (Some(result), Some(at)) = (&op.result, op.decided_at) else {
        return fault("P5", "Résultat de la transaction non connu");
    };
    let field = |k: &str| {
        quick_xml::escape::escape(op.fields.get(k).map(String::as_str).unwrap_or_default())
            .into_owned()
    };
    let paid = matches!(result.as_str(), "P" | "V");
    ok(format!(
        "<ns2:recupererDetailPaiementSecuriseResponse xmlns:ns2=\"{SERVICE_NS}\"><return>\
<dattrans>{}</dattrans><exer>{}</exer><heurtrans>{}</heurtrans><idOp>{id_op}</idOp>\
<mel>{}</mel><montant>{}</montant><numauto>{}</numauto><numcli>{}</numcli><objet>{}</objet>\
<refdet>{}</refdet><resultrans>{result}</resultrans><saisie>{}</saisie>\
</return></ns2:recupererDetailPaiementSecuriseResponse>",
        at.format("%d%m%Y"),
        field("exer"),
        at.format("%H%M"),
        field("mel"),
        field("montant"),
        if paid {
            format!("{:012}-tip", at.timestamp() % 1_000_000_000_000)
        } else {
            String::new()
        },
        field("numcli"),
        field("objet"),
        field("refdet"),
        field("saisie"),
    ))
}

#[derive(serde::Deserialize)]
struct IdOp {
    #[serde(default)]
    idop: String,
}

/// The payment page: what is paid, and the payer's four choices.
async fn page(bank: web::Data<TestBank>, q: web::Query<IdOp>) -> HttpResponse {
    let state = bank.state.lock().unwrap();
    let Some(op) = state.operations.get(&q.idop) else {
        return HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body(html("Paiement introuvable", "<h1>Paiement introuvable</h1><p>Ce lien de paiement n’existe pas ou a expiré. Revenez au site de votre collectivité pour recommencer.</p>"));
    };
    let field = |k: &str| {
        quick_xml::escape::escape(op.fields.get(k).map(String::as_str).unwrap_or_default())
            .into_owned()
    };
    let cents: i64 = op
        .fields
        .get("montant")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let amount = guichet_core::domain::money::Money::from_cents(cents).format_fr();
    let idop = quick_xml::escape::escape(&q.idop).into_owned();
    let body = format!(
        "<h1>Paiement de {amount}</h1>\
<p>Banque de test : aucun argent n’est débité. Régie n° {}, référence {}.</p>\
<p>Objet : {}</p>\
<form method=\"post\" action=\"/tpa/paiementws.web\">\
<input type=\"hidden\" name=\"idop\" value=\"{idop}\">\
<p><button type=\"submit\" name=\"resultrans\" value=\"P\">Payer par carte</button></p>\
<p><button type=\"submit\" name=\"resultrans\" value=\"V\">Payer par prélèvement</button></p>\
<p><button type=\"submit\" name=\"resultrans\" value=\"R\">Refuser le paiement (carte refusée)</button></p>\
<p><button type=\"submit\" name=\"resultrans\" value=\"A\">Abandonner et revenir au site</button></p>\
</form>",
        field("numcli"),
        field("refdet"),
        field("objet"),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html(&format!("Paiement de {amount}"), &body))
}

#[derive(serde::Deserialize)]
struct Decision {
    #[serde(default)]
    idop: String,
    #[serde(default)]
    resultrans: String,
}

async fn decide(bank: web::Data<TestBank>, form: web::Form<Decision>) -> HttpResponse {
    if !["P", "V", "R", "Z", "A"].contains(&form.resultrans.as_str()) {
        return HttpResponse::BadRequest().body("resultrans : P, V, R, Z ou A");
    }
    match bank.pay(&form.idop, &form.resultrans) {
        Some(back) => HttpResponse::build(StatusCode::SEE_OTHER)
            .insert_header((header::LOCATION, back))
            .finish(),
        None => HttpResponse::NotFound().body("idOp inconnu"),
    }
}

fn html(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} — banque de test PayFiP</title></head>\
<body><main>{body}</main></body></html>"
    )
}

/// POSTs the form `idOp=…` to a plain-HTTP notification address, as
/// PayFiP's server does; what comes back is not read (PayFiP ignores it).
fn notify(url: &str, id_op: &str) {
    use std::io::{Read, Write};
    let Ok(url) = url::Url::parse(url) else {
        return;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return;
    };
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("idOp", id_op)
        .finish();
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let Ok(mut stream) = std::net::TcpStream::connect((host, port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(30)));
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        // Wait for the answer: the notification is handled when it comes.
        let _ = stream.read_to_end(&mut Vec::new());
    }
}
