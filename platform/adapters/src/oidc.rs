//! Sign-in through an identity provider of the State, with OpenID Connect:
//! FranceConnect v2 for households, ProConnect for agents. Authorization
//! code flow, `state` and `nonce` of 43 characters, the client secret in the
//! request body, no PKCE, the userinfo answer signed and checked, logout at
//! the provider with `id_token_hint`. FranceConnect is asked
//! `acr_values=eidas1` (checked in the ID token); ProConnect refuses any
//! parameter it does not list, and names the family name `usual_name`.

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient,
    CoreClientAuthMethod, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode,
    CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AsyncHttpClient, AuthType, AuthorizationCode,
    ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl, Nonce,
    OAuth2TokenResponse, ProviderMetadata, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};

/// The provider's settings (`GUICHET_FRANCECONNECT_*`).
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The provider cannot be reached, or answered something unreadable.
    #[error("le service d’identification ne répond pas : {0}")]
    Unavailable(String),
    /// What came back does not prove who signed in (state, nonce, signature,
    /// level of assurance…).
    #[error("réponse du service d’identification refusée : {0}")]
    Refused(String),
}

#[derive(Clone, Debug, Deserialize, Serialize)]
struct LogoutMetadata {
    end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// Which provider, and so which scopes and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    FranceConnect,
    ProConnect,
}

impl Flavor {
    fn scopes(self) -> &'static [&'static str] {
        match self {
            Flavor::FranceConnect => &["given_name", "family_name", "email", "birthdate", "gender"],
            Flavor::ProConnect => &["given_name", "usual_name", "email", "uid"],
        }
    }
}

/// The claims beyond the standard ones: FranceConnect's birth place and
/// country (INSEE codes), ProConnect's usual name and uid.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(default)]
    pub birthplace: Option<String>,
    #[serde(default)]
    pub birthcountry: Option<String>,
    #[serde(default)]
    pub usual_name: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
}
impl AdditionalClaims for ExtraClaims {}

/// What the session keeps between the redirection and the return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub redirect_uri: String,
}

/// Who signed in, as the provider vouches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    pub issuer: String,
    /// The person's identifier for this service (pairwise).
    pub subject: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    /// `AAAA-MM-JJ`.
    pub birthdate: String,
    pub gender: String,
    /// Kept for the logout at the provider.
    pub id_token: String,
}

/// The provider's calls, through the platform's one HTTP client (reqwest,
/// the object store's too).
struct Http(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = reqwest::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, reqwest::Error>> + Send + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let answer = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            let status = answer.status();
            let headers = answer.headers().clone();
            let mut response = HttpResponse::new(answer.bytes().await?.to_vec());
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            Ok(response)
        })
    }
}

fn http() -> Result<Http, IdentityError> {
    reqwest::Client::builder()
        // The provider's redirections are not followed (SSRF).
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map(Http)
        .map_err(|e| IdentityError::Unavailable(e.to_string()))
}

async fn metadata(config: &ProviderConfig, http: &Http) -> Result<Metadata, IdentityError> {
    let issuer = IssuerUrl::new(config.issuer.clone())
        .map_err(|e| IdentityError::Unavailable(e.to_string()))?;
    Metadata::discover_async(issuer, http)
        .await
        .map_err(|e| IdentityError::Unavailable(e.to_string()))
}

/// Where to send the browser, and what to keep until it comes back.
pub async fn start(
    config: &ProviderConfig,
    flavor: Flavor,
    redirect_uri: &str,
) -> Result<(String, Pending), IdentityError> {
    let http = http()?;
    let meta = metadata(config, &http).await?;
    let redirect = RedirectUrl::new(redirect_uri.to_owned())
        .map_err(|e| IdentityError::Refused(e.to_string()))?;
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(config.client_secret.clone())),
    )
    .set_redirect_uri(redirect);
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        || CsrfToken::new_random_len(32),
        || Nonce::new_random_len(32),
    );
    for s in flavor.scopes() {
        request = request.add_scope(Scope::new((*s).to_owned()));
    }
    if flavor == Flavor::FranceConnect {
        request = request.add_extra_param("acr_values", "eidas1");
    }
    let (url, state, nonce) = request.url();
    Ok((
        url.to_string(),
        Pending {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            redirect_uri: redirect_uri.to_owned(),
        },
    ))
}

/// The return: the state checked against the session's, the code exchanged
/// (secret in the body), the ID token checked (signature, issuer, audience,
/// nonce, `acr` eidas1), the signed userinfo checked and read.
pub async fn finish(
    config: &ProviderConfig,
    flavor: Flavor,
    pending: &Pending,
    code: &str,
    state: &str,
) -> Result<Identity, IdentityError> {
    if state.is_empty() || state != pending.state {
        return Err(IdentityError::Refused(
            "le paramètre state ne correspond pas".into(),
        ));
    }
    let http = http()?;
    let meta = metadata(config, &http).await?;
    let redirect = RedirectUrl::new(pending.redirect_uri.clone())
        .map_err(|e| IdentityError::Refused(e.to_string()))?;
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(config.client_secret.clone())),
    )
    .set_redirect_uri(redirect)
    .set_auth_type(AuthType::RequestBody);
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| IdentityError::Refused(e.to_string()))?
        .request_async(&http)
        .await
        .map_err(|e| IdentityError::Refused(format!("échange du code : {e}")))?;
    let id_token = token
        .id_token()
        .ok_or_else(|| IdentityError::Refused("pas de jeton d’identité".into()))?;
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &Nonce::new(pending.nonce.clone()))
        .map_err(|e| IdentityError::Refused(format!("jeton d’identité : {e}")))?;
    let acr = claims.auth_context_ref().map(|a| a.as_str().to_owned());
    if flavor == Flavor::FranceConnect && acr.as_deref() != Some("eidas1") {
        return Err(IdentityError::Refused(format!(
            "niveau d’authentification {acr:?}, eidas1 attendu"
        )));
    }
    let subject = claims.subject().clone();
    let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = client
        .user_info(token.access_token().clone(), Some(subject.clone()))
        .map_err(|e| IdentityError::Refused(e.to_string()))?
        .require_signed_response(true)
        .request_async(&http)
        .await
        .map_err(|e| IdentityError::Refused(format!("informations de l’usager : {e}")))?;
    let text = |v: Option<String>| v.unwrap_or_default();
    Ok(Identity {
        issuer: config.issuer.clone(),
        subject: subject.as_str().to_owned(),
        given_name: text(
            info.given_name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
        ),
        family_name: text(
            info.family_name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned())
                .or_else(|| info.additional_claims().usual_name.clone()),
        ),
        email: text(info.email().map(|e| e.as_str().to_owned())),
        birthdate: text(info.birthdate().map(|b| b.as_str().to_owned())),
        gender: text(info.gender().map(|g| format!("{g:?}"))),
        id_token: id_token.to_string(),
    })
}

/// The provider's logout address for this ID token, if it has one.
pub async fn logout_url(
    config: &ProviderConfig,
    id_token: &str,
    state: &str,
    post_logout_redirect_uri: &str,
) -> Result<Option<String>, IdentityError> {
    let http = http()?;
    let meta = metadata(config, &http).await?;
    let Some(end) = meta.additional_metadata().end_session_endpoint.clone() else {
        return Ok(None);
    };
    let mut url = url::Url::parse(&end).map_err(|e| IdentityError::Unavailable(e.to_string()))?;
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("state", state)
        .append_pair("post_logout_redirect_uri", post_logout_redirect_uri);
    Ok(Some(url.to_string()))
}
