//! Password rules (口令复杂度), configurable by the security administrator.

/// Complexity rules. Defaults: at least 8 characters from at least 3 of the 4 classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordRules {
    pub min_length: usize,
    pub min_classes: usize,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules {
            min_length: 8,
            min_classes: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("密码至少{0}位")]
    TooShort(usize),
    #[error("密码过长（最多128位）")]
    TooLong,
    #[error("密码须包含大写字母、小写字母、数字、符号中的至少{0}类")]
    TooSimple(usize),
    #[error("密码不能包含账号名")]
    ContainsUsername,
    #[error("这是公开过或常被猜中的密码（如演示账号的密码、Admin@123），请换一个")]
    Known,
}

/// Passwords that meet the class rules yet are among the first any attacker tries: this
/// project's own published demo password, and the commonest of the kind in published lists of
/// leaked passwords (compared ignoring case).
const KNOWN: &[&str] = &[
    "dixian@2026",
    "admin@123",
    "admin@1234",
    "admin123!",
    "p@ssw0rd",
    "p@ssword1",
    "passw0rd!",
    "password1!",
    "password@123",
    "abc@1234",
    "abc@123456",
    "aa123456!",
    "aa123456.",
    "qwer@1234",
    "qwer1234!",
    "1qaz@wsx",
    "1qaz!qaz",
    "1qaz2wsx!",
    "zxcv@1234",
    "root@123",
    "test@123",
    "welcome1!",
    "changeme1!",
];

impl PasswordRules {
    /// Checks `password` for the account `username`.
    pub fn check(&self, password: &str, username: &str) -> Result<(), PasswordProblem> {
        let len = password.chars().count();
        if len < self.min_length {
            return Err(PasswordProblem::TooShort(self.min_length));
        }
        if len > 128 {
            return Err(PasswordProblem::TooLong);
        }
        let classes = [
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if classes < self.min_classes {
            return Err(PasswordProblem::TooSimple(self.min_classes));
        }
        let user = username.trim().to_lowercase();
        let lower = password.to_lowercase();
        if user.len() >= 3 && lower.contains(&user) {
            return Err(PasswordProblem::ContainsUsername);
        }
        if KNOWN.contains(&lower.as_str()) {
            return Err(PasswordProblem::Known);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let r = PasswordRules::default();
        assert_eq!(r.check("Ab1!", "u"), Err(PasswordProblem::TooShort(8)));
        assert_eq!(r.check("abcdefgh", "u"), Err(PasswordProblem::TooSimple(3)));
        assert_eq!(r.check("abcdefg1", "u"), Err(PasswordProblem::TooSimple(3)));
        assert_eq!(r.check("abcdefG1", "u"), Ok(()));
        assert_eq!(r.check("密码很长很长1a", "u"), Ok(()));
        assert_eq!(
            r.check("Zhangsan#1", "zhangsan"),
            Err(PasswordProblem::ContainsUsername)
        );
        assert_eq!(
            r.check(&"aB1!".repeat(40), "u"),
            Err(PasswordProblem::TooLong)
        );
        assert!(
            r.check("abc", "u")
                .unwrap_err()
                .to_string()
                .contains("至少8位")
        );
        // The published demo password and the like pass the class rules but not this.
        assert_eq!(r.check("Dixian@2026", "town"), Err(PasswordProblem::Known));
        assert_eq!(r.check("P@ssw0rd", "town"), Err(PasswordProblem::Known));
        let strict = PasswordRules {
            min_length: 12,
            min_classes: 4,
        };
        assert_eq!(
            strict.check("abcdefG1xyzw", "u"),
            Err(PasswordProblem::TooSimple(4))
        );
    }
}
