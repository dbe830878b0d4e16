//! The foyer and its members: addresses in the CapDémat form, French phone
//! numbers, the password policy, and the states people go through
//! (`userWorkflow`). Messages are lower-case fragments in French; the web
//! kit makes sentences of them.

use serde::{Deserialize, Serialize};

use crate::contact;

/// A postal address as CapDémat stores it (the French postal norm's lines).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Address {
    /// Complément (appartement, étage, chez…).
    #[serde(default)]
    pub adi: String,
    /// Bâtiment, résidence.
    #[serde(default)]
    pub agi: String,
    #[serde(default)]
    pub street_number: String,
    pub street_name: String,
    /// Lieu-dit, boîte postale.
    #[serde(default)]
    pub pns: String,
    pub postal_code: String,
    pub city: String,
    #[serde(default)]
    pub country: String,
}

/// The parts of an address, with their labels, in the order of a form.
pub const ADDRESS_PARTS: [(&str, &str, bool); 8] = [
    ("street_number", "Numéro", false),
    ("street_name", "Voie (rue, avenue…)", true),
    ("adi", "Complément (appartement, étage, chez…)", false),
    ("agi", "Bâtiment, résidence", false),
    ("pns", "Lieu-dit ou boîte postale", false),
    ("postal_code", "Code postal", true),
    ("city", "Commune", true),
    ("country", "Pays (si ce n’est pas la France)", false),
];

impl Address {
    /// Checks every part; on error, the part's name with its message.
    pub fn parse(get: impl Fn(&str) -> String) -> Result<Address, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut part = |name: &'static str, max: usize, required: bool| -> String {
            let raw = get(name);
            let value = crate::patterns::collapse_spaces(&raw);
            if value.is_empty() {
                if required {
                    errors.push((name, "ce champ est obligatoire".to_owned()));
                }
                return value;
            }
            if value.chars().count() > max {
                errors.push((name, format!("{max} caractères au plus")));
            } else if value.chars().any(char::is_control) {
                errors.push((
                    name,
                    "les caractères de contrôle ne sont pas acceptés".into(),
                ));
            }
            value
        };
        let mut address = Address {
            street_number: part("street_number", 5, false).to_uppercase(),
            street_name: part("street_name", 60, true),
            adi: part("adi", 38, false),
            agi: part("agi", 38, false),
            pns: part("pns", 38, false),
            postal_code: part("postal_code", 10, true),
            city: part("city", 45, true),
            country: part("country", 38, false),
        };
        if !address.street_number.is_empty()
            && !address
                .street_number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ')
        {
            errors.push((
                "street_number",
                "chiffres et lettres seulement (exemple : 12 B)".into(),
            ));
        }
        if !address.postal_code.is_empty() {
            match postal_code(&address.postal_code) {
                Ok(p) => address.postal_code = p,
                Err(e) => errors.push(("postal_code", e.into())),
            }
        }
        if errors.is_empty() {
            Ok(address)
        } else {
            // In the order of the form, so that the summary reads top down.
            errors.sort_by_key(|(name, _)| ADDRESS_PARTS.iter().position(|(p, _, _)| p == name));
            Err(errors)
        }
    }

    /// The lines of the address as written on an envelope.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for l in [&self.adi, &self.agi] {
            if !l.is_empty() {
                lines.push(l.clone());
            }
        }
        let street = format!("{} {}", self.street_number, self.street_name);
        lines.push(street.trim().to_owned());
        if !self.pns.is_empty() {
            lines.push(self.pns.clone());
        }
        lines.push(format!("{} {}", self.postal_code, self.city.to_uppercase()));
        if !self.country.is_empty() {
            lines.push(self.country.to_uppercase());
        }
        lines
    }

    /// The address on one line.
    pub fn one_line(&self) -> String {
        self.lines().join(", ")
    }
}

/// A French postal code: five digits (spaces typed are dropped).
pub fn postal_code(raw: &str) -> Result<String, &'static str> {
    let s: String = raw.chars().filter(|c| *c != ' ').collect();
    if s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s)
    } else {
        Err("code postal invalide : 5 chiffres (exemple : 13200)")
    }
}

/// A French phone number, kept as ten digits in pairs: « 06 12 34 56 78 ».
/// Spaces, dots and dashes are accepted, and `+33` for the leading 0.
pub fn french_phone(raw: &str) -> Result<String, &'static str> {
    const HINT: &str = "numéro de téléphone invalide : 10 chiffres (exemple : 06 12 34 56 78)";
    let kept: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let digits = match kept.strip_prefix("+33") {
        Some(rest) => format!("0{}", rest.trim_start_matches("(0)")),
        None => kept,
    };
    if digits.len() != 10
        || !digits.starts_with('0')
        || digits.as_bytes()[1] == b'0'
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(HINT);
    }
    let pairs: Vec<&str> = (0..5).map(|i| &digits[i * 2..i * 2 + 2]).collect();
    Ok(pairs.join(" "))
}

/// A mobile number starts with 06 or 07 (an SMS can be sent to it).
pub fn is_mobile(phone: &str) -> bool {
    phone.starts_with("06") || phone.starts_with("07")
}

/// A last name as stored: checked like any name, then in capitals.
pub fn last_name(raw: &str) -> Result<String, &'static str> {
    let name = contact::person_name(raw)?;
    if name.chars().count() > 38 {
        return Err("38 caractères au plus");
    }
    Ok(name.to_uppercase())
}

/// A first name as stored: « jean-pierre » → « Jean-Pierre ».
pub fn first_name(raw: &str) -> Result<String, &'static str> {
    let name = contact::person_name(raw)?;
    if name.chars().count() > 38 {
        return Err("38 caractères au plus");
    }
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        upper = matches!(c, ' ' | '-' | '\'' | '’');
    }
    Ok(out)
}

/// The shortest password accepted. No rule on its composition: a long
/// sentence is both easier to remember and harder to guess.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;

/// Passwords people choose most often (and their close variants are caught
/// by the length rule): refused whatever their length.
const COMMON: &[&str] = &[
    "123456789012",
    "azertyuiopqs",
    "azertyuiop123",
    "motdepasse123",
    "motdepasse1234",
    "qwertyuiop12",
    "password1234",
    "passwordpassword",
    "000000000000",
    "111111111111",
    "123123123123",
    "abcdefghijkl",
    "azertyazerty",
    "soleil123456",
    "doudou123456",
    "marseille1234",
    "jetaime123456",
    "bonjour123456",
    "iloveyou1234",
    "chouchou1234",
    "motdepassemotdepasse",
];

/// Checks a new password: its length, that it is not a common one, and that
/// it does not repeat the e-mail address.
pub fn password(raw: &str, email: &str) -> Result<(), String> {
    let n = raw.chars().count();
    if n < PASSWORD_MIN {
        return Err(format!(
            "{PASSWORD_MIN} caractères au moins ; une phrase que vous retiendrez facilement convient très bien"
        ));
    }
    if n > PASSWORD_MAX {
        return Err(format!("{PASSWORD_MAX} caractères au plus"));
    }
    let folded = crate::text::fold(raw);
    if COMMON.contains(&folded.as_str())
        || folded
            .chars()
            .all(|c| c == folded.chars().next().unwrap_or(' '))
    {
        return Err("ce mot de passe est trop courant : choisissez-en un autre".into());
    }
    let local = email.split('@').next().unwrap_or("");
    if local.len() >= 4 && folded.contains(&crate::text::fold(local)) {
        return Err("le mot de passe ne doit pas reprendre votre adresse électronique".into());
    }
    Ok(())
}

/// Civility of an adult.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Title {
    Madam,
    Mister,
    Unknown,
}

impl Title {
    pub const ALL: [Title; 3] = [Title::Madam, Title::Mister, Title::Unknown];
    pub fn label(self) -> &'static str {
        match self {
            Title::Madam => "Madame",
            Title::Mister => "Monsieur",
            Title::Unknown => "Ne se prononce pas",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Title::Madam => "Madam",
            Title::Mister => "Mister",
            Title::Unknown => "Unknown",
        }
    }
    pub fn parse(code: &str) -> Option<Title> {
        Title::ALL.into_iter().find(|t| t.code() == code)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

/// « née le 02/04/1985 », « né le … », or « date de naissance : … » when
/// neither the sex nor the civility says which.
pub fn born_on(sex: Option<Sex>, title: Option<Title>, date: &str) -> String {
    match (sex, title) {
        (Some(Sex::Female), _) | (None | Some(Sex::Unknown), Some(Title::Madam)) => {
            format!("née le {date}")
        }
        (Some(Sex::Male), _) | (None | Some(Sex::Unknown), Some(Title::Mister)) => {
            format!("né le {date}")
        }
        _ => format!("date de naissance : {date}"),
    }
}

impl Sex {
    pub const ALL: [Sex; 3] = [Sex::Female, Sex::Male, Sex::Unknown];
    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Fille",
            Sex::Male => "Garçon",
            Sex::Unknown => "Non précisé",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "Female",
            Sex::Male => "Male",
            Sex::Unknown => "Unknown",
        }
    }
    pub fn parse(code: &str) -> Option<Sex> {
        Sex::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// How an adult is a legal responsible of a child (`ClrMother`…).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Parenthood {
    Mother,
    Father,
    Tutor,
}

impl Parenthood {
    pub const ALL: [Parenthood; 3] = [Parenthood::Mother, Parenthood::Father, Parenthood::Tutor];
    pub fn label(self) -> &'static str {
        match self {
            Parenthood::Mother => "Mère",
            Parenthood::Father => "Père",
            Parenthood::Tutor => "Tuteur ou tutrice",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Parenthood::Mother => "ClrMother",
            Parenthood::Father => "ClrFather",
            Parenthood::Tutor => "ClrTutor",
        }
    }
    pub fn parse(code: &str) -> Option<Parenthood> {
        Parenthood::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// A child has one to three legal responsibles, all adults of the foyer.
pub fn check_responsibles(count: usize) -> Result<(), &'static str> {
    match count {
        0 => Err("choisissez au moins un responsable légal parmi les adultes du foyer"),
        1..=3 => Ok(()),
        _ => Err("trois responsables légaux au plus"),
    }
}

/// The state of a foyer or of a person (`userWorkflow`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum UserState {
    New,
    Valid,
    Modified,
    Invalid,
    Archived,
}

/// Who changes a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Household,
    Agent,
}

impl UserState {
    pub const ALL: [UserState; 5] = [
        UserState::New,
        UserState::Valid,
        UserState::Modified,
        UserState::Invalid,
        UserState::Archived,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UserState::New => "New",
            UserState::Valid => "Valid",
            UserState::Modified => "Modified",
            UserState::Invalid => "Invalid",
            UserState::Archived => "Archived",
        }
    }

    pub fn parse(code: &str) -> Option<UserState> {
        UserState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserState::New => "nouveau",
            UserState::Valid => "validé",
            UserState::Modified => "modifié",
            UserState::Invalid => "invalide",
            UserState::Archived => "archivé",
        }
    }

    /// Whether `self → to` is allowed to `side` (userWorkflow.xml).
    pub fn may_become(self, to: UserState, side: Side) -> bool {
        use Side::*;
        use UserState::*;
        match (self, to) {
            (New, Valid | Invalid) | (Valid | Modified, Invalid) | (Invalid, Valid | Archived) => {
                side == Agent
            }
            (New | Valid | Modified, Archived) | (Modified, Valid) => true,
            (Valid, Modified) => side == Household,
            _ => false,
        }
    }

    /// The state after the household edits: a validated record goes back to
    /// the agents as « modifié »; others keep theirs.
    pub fn after_household_edit(self) -> UserState {
        if self == UserState::Valid {
            UserState::Modified
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn born_agrees_with_what_is_known() {
        let d = "02/04/1985";
        assert_eq!(born_on(Some(Sex::Female), None, d), "née le 02/04/1985");
        assert_eq!(
            born_on(Some(Sex::Male), Some(Title::Madam), d),
            "né le 02/04/1985"
        );
        assert_eq!(born_on(None, Some(Title::Madam), d), "née le 02/04/1985");
        assert_eq!(
            born_on(Some(Sex::Unknown), Some(Title::Mister), d),
            "né le 02/04/1985"
        );
        assert_eq!(
            born_on(None, Some(Title::Unknown), d),
            "date de naissance : 02/04/1985"
        );
    }

    #[test]
    fn phones_are_ten_digits_in_pairs() {
        assert_eq!(french_phone("0612345678").unwrap(), "06 12 34 56 78");
        assert_eq!(french_phone("+33 6 12 34 56 78").unwrap(), "06 12 34 56 78");
        assert_eq!(
            french_phone("+33 (0)1.23.45.67.89").unwrap(),
            "01 23 45 67 89"
        );
        for bad in [
            "",
            "061234567",
            "00 12 34 56 78",
            "06 12 34 56 7a",
            "1234567890",
        ] {
            assert!(french_phone(bad).is_err(), "{bad}");
        }
        assert!(is_mobile("07 12 34 56 78") && !is_mobile("01 23 45 67 89"));
    }

    #[test]
    fn names_are_stored_as_capdemat_did() {
        assert_eq!(last_name(" Dupont ").unwrap(), "DUPONT");
        assert_eq!(
            first_name("jean-pierre d’arc").unwrap(),
            "Jean-Pierre D’Arc"
        );
        assert!(first_name("").is_err());
        assert!(last_name(&"a".repeat(39)).is_err());
    }

    #[test]
    fn addresses() {
        let ok = Address::parse(|p| {
            match p {
                "street_number" => "12 b",
                "street_name" => "rue  de la Paix",
                "postal_code" => "13 200",
                "city" => "Arles",
                _ => "",
            }
            .into()
        })
        .unwrap();
        assert_eq!(ok.street_number, "12 B");
        assert_eq!(ok.postal_code, "13200");
        assert_eq!(ok.one_line(), "12 B rue de la Paix, 13200 ARLES");
        let errors = Address::parse(|p| {
            if p == "postal_code" {
                "1320".into()
            } else {
                String::new()
            }
        })
        .unwrap_err();
        let names: Vec<_> = errors.iter().map(|e| e.0).collect();
        assert_eq!(names, ["street_name", "postal_code", "city"]);
    }

    #[test]
    fn passwords() {
        assert!(password("court", "a@b.fr").is_err());
        assert!(password("azertyuiop123", "a@b.fr").is_err());
        assert!(password("aaaaaaaaaaaaaa", "a@b.fr").is_err());
        assert!(password("camille.martin2026", "camille.martin@mairie.fr").is_err());
        assert!(password("le chat dort sur le toit", "camille@mairie.fr").is_ok());
    }

    #[test]
    fn user_workflow() {
        use Side::*;
        use UserState::*;
        assert!(New.may_become(Valid, Agent) && !New.may_become(Valid, Household));
        assert!(Valid.may_become(Modified, Household) && !Valid.may_become(Modified, Agent));
        assert!(Modified.may_become(Valid, Household));
        assert!(Invalid.may_become(Archived, Agent) && !Invalid.may_become(Archived, Household));
        assert!(!Archived.may_become(Valid, Agent));
        assert_eq!(Valid.after_household_edit(), Modified);
        assert_eq!(New.after_household_edit(), New);
        assert!(check_responsibles(0).is_err() && check_responsibles(4).is_err());
    }
}
