//! PayFiP's web service (the DGFiP's payment service for public bodies):
//! SOAP 1.1 to `…/tpa/services/securite`. `creerPaiementSecurise` answers
//! an `idOp`, the browser is sent to `…/tpa/paiementws.web?idop=…`;
//! `recupererDetailPaiementSecurise(idOp)` tells what became of it (fault
//! P5 while it is open, P1 once PayFiP forgot it). Notifications and
//! returns carry only the idOp: the detail call is the only word trusted.

use std::time::Duration;

use quick_xml::escape::escape;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Why a call did not answer what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Unreachable or failing: try again later.
    Unavailable(String),
    /// PayFiP's functional error (`code`, `libelle`).
    Refused { code: String, message: String },
}

/// The fields of `creerPaiementSecurise`.
#[derive(Debug, Clone)]
pub struct Creation<'a> {
    pub exer: i32,
    pub mel: &'a str,
    pub amount_cents: i64,
    pub numcli: &'a str,
    pub objet: &'a str,
    pub refdet: &'a str,
    /// T (test), X (activation) or W (production).
    pub saisie: &'a str,
    pub notify_url: &'a str,
    pub return_url: &'a str,
}

/// PayFiP's service.
pub const DEFAULT_URL: &str = "https://www.payfip.gouv.fr";

const SERVICE_NS: &str = "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/PaiementSecuriseService";

pub struct PayFiP {
    /// The service's root (`https://www.payfip.gouv.fr`, or the test bank's).
    base: url::Url,
    http: crate::http::Client,
}

impl PayFiP {
    pub fn new(base: url::Url) -> PayFiP {
        PayFiP {
            base,
            http: crate::http::Client::new(Duration::from_secs(5), Duration::from_secs(30)),
        }
    }

    fn endpoint(&self) -> String {
        format!(
            "{}/tpa/services/securite",
            self.base.as_str().trim_end_matches('/')
        )
    }

    /// Posts an envelope; answers the leaves of the response's body, or the
    /// fault PayFiP gave.
    pub fn call(&self, operation: &str, envelope: &str) -> Result<Vec<(String, String)>, Fault> {
        let answer = self
            .http
            .post(
                &self.endpoint(),
                &[
                    ("content-type", "text/xml; charset=utf-8"),
                    ("soapaction", "\"\""),
                ],
                envelope.to_owned(),
            )
            .map_err(|e| Fault::Unavailable(format!("PayFiP : {operation} : {e}")))?;
        // SOAP faults come with a 500.
        let leaves = leaves(&answer.body);
        if let Some(fault) = fault(&leaves) {
            return Err(fault);
        }
        if !answer.is_success() {
            return Err(Fault::Unavailable(format!(
                "PayFiP : {operation} : HTTP {}",
                answer.status
            )));
        }
        Ok(leaves)
    }
}

/// The envelope of `creerPaiementSecurise`, fields in the order of the
/// service's schema.
pub fn create_envelope(r: &Creation<'_>) -> String {
    let field = |name: &str, value: &str| format!("<{name}>{}</{name}>", escape(value));
    let fields = [
        field("exer", &r.exer.to_string()),
        field("mel", r.mel),
        field("montant", &r.amount_cents.to_string()),
        field("numcli", r.numcli),
        field("objet", r.objet),
        field("refdet", r.refdet),
        field("saisie", r.saisie),
        field("urlnotif", r.notify_url),
        field("urlredirect", r.return_url),
    ]
    .concat();
    envelope("creerPaiementSecurise", &fields)
}

/// The envelope of `recupererDetailPaiementSecurise`.
pub fn detail_envelope(id_op: &str) -> String {
    envelope(
        "recupererDetailPaiementSecurise",
        &format!("<idOp>{}</idOp>", escape(id_op)),
    )
}

fn envelope(operation: &str, fields: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:pai=\"{SERVICE_NS}\">\
<soapenv:Header/><soapenv:Body><pai:{operation}><arg0>{fields}</arg0></pai:{operation}></soapenv:Body></soapenv:Envelope>"
    )
}

/// Every element holding text, by local name, in document order.
pub fn leaves(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                current = Some((name, String::new()));
            }
            Ok(Event::Text(t)) => {
                if let (Some((_, text)), Ok(part)) = (current.as_mut(), t.decode()) {
                    text.push_str(&part);
                }
            }
            // `&amp;`, `&#233;`…: text split around its references.
            Ok(Event::GeneralRef(r)) => {
                if let Some((_, text)) = current.as_mut() {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        text.push(c);
                    } else if let Ok(name) = r.decode() {
                        if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
                            text.push_str(s);
                        }
                    }
                }
            }
            Ok(Event::End(_)) => {
                if let Some((name, text)) = current.take() {
                    if !text.trim().is_empty() {
                        out.push((name, text.trim().to_owned()));
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

pub fn get<'a>(leaves: &'a [(String, String)], name: &str) -> Option<&'a str> {
    leaves
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A SOAP fault: PayFiP's functional error (`code`, `libelle`), or an
/// unavailability.
fn fault(leaves: &[(String, String)]) -> Option<Fault> {
    let faultstring = get(leaves, "faultstring")?;
    match get(leaves, "code") {
        Some(code) => Some(Fault::Refused {
            code: code.to_owned(),
            message: get(leaves, "libelle")
                .or(get(leaves, "descriptif"))
                .unwrap_or(faultstring)
                .to_owned(),
        }),
        None => Some(Fault::Unavailable(format!("PayFiP : {faultstring}"))),
    }
}

impl PayFiP {
    /// The service's origin (the payment page's, for the CSP).
    pub fn page_origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    /// The page the payer's browser is sent to.
    pub fn page_url(&self, id_op: &str) -> String {
        let mut url = self.base.clone();
        url.set_path("/tpa/paiementws.web");
        url.query_pairs_mut().clear().append_pair("idop", id_op);
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Creation<'static> {
        Creation {
            numcli: "012345",
            saisie: "T",
            exer: 2026,
            refdet: "GU0000000042",
            amount_cents: 2550,
            mel: "durand@example.fr",
            objet: "Cantine novembre 2026",
            notify_url: "https://arles.example/paiements/notification",
            return_url: "https://arles.example/paiements/retour?p=42&t=a<b",
        }
    }

    #[test]
    fn the_creation_envelope_carries_payfip_fields_in_order_and_escaped() {
        let xml = create_envelope(&request());
        assert!(xml.contains(&format!("xmlns:pai=\"{SERVICE_NS}\"")));
        assert!(
            xml.contains(
                "<pai:creerPaiementSecurise><arg0><exer>2026</exer><mel>durand@example.fr</mel>\
<montant>2550</montant><numcli>012345</numcli><objet>Cantine novembre 2026</objet>\
<refdet>GU0000000042</refdet><saisie>T</saisie>\
<urlnotif>https://arles.example/paiements/notification</urlnotif>\
<urlredirect>https://arles.example/paiements/retour?p=42&amp;t=a&lt;b</urlredirect></arg0>"
            ),
            "{xml}"
        );
        // A reader gets every field back as sent.
        let back = leaves(&xml);
        assert_eq!(
            get(&back, "urlredirect"),
            Some("https://arles.example/paiements/retour?p=42&t=a<b")
        );
        assert_eq!(
            leaves(&detail_envelope("cc0cb210-1cd4-11ea-8cca-0213ad91a103")),
            vec![("idOp".into(), "cc0cb210-1cd4-11ea-8cca-0213ad91a103".into())]
        );
    }

    #[test]
    fn faults_are_read_with_their_code() {
        let xml = r#"<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring><detail><ns2:FonctionnelleErreur xmlns:ns2="http://securite.service.tpa.cp.finances.gouv.fr/reponse"><code>P5</code><descriptif></descriptif><libelle>Résultat de la transaction non connu</libelle><severite>2</severite></ns2:FonctionnelleErreur></detail></S:Fault></S:Body></S:Envelope>"#;
        assert_eq!(
            fault(&leaves(xml)),
            Some(Fault::Refused {
                code: "P5".into(),
                message: "Résultat de la transaction non connu".into()
            })
        );
        assert_eq!(fault(&leaves("<a><idOp>x</idOp></a>")), None);
    }
}
