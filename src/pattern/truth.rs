//! Stage `pattern`: three-valued truth for evaluation. `Unknown` stands where real AWS
//! has not shown what it does; `&&` and `||` settle it when the other side decides.

/// The truth of a condition or expression on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Truth {
    True,
    False,
    /// Depends on unverified AWS behaviour; the reason says which.
    Unknown(String),
}

impl From<bool> for Truth {
    fn from(b: bool) -> Self {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

impl Truth {
    /// `!self`; unknown stays unknown.
    pub(crate) fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            unknown => unknown,
        }
    }

    /// True if any item is true; unknown if none is true but one is unknown. Lazy.
    pub(crate) fn any(items: impl IntoIterator<Item = Truth>) -> Truth {
        let mut unknown = None;
        for item in items {
            match item {
                Truth::True => return Truth::True,
                Truth::Unknown(reason) => unknown = unknown.or(Some(reason)),
                Truth::False => {}
            }
        }
        unknown.map_or(Truth::False, Truth::Unknown)
    }

    /// False if any item is false; unknown if none is false but one is unknown. Lazy.
    pub(crate) fn all(items: impl IntoIterator<Item = Truth>) -> Truth {
        let mut unknown = None;
        for item in items {
            match item {
                Truth::False => return Truth::False,
                Truth::Unknown(reason) => unknown = unknown.or(Some(reason)),
                Truth::True => {}
            }
        }
        unknown.map_or(Truth::True, Truth::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::{self, False, True};

    fn unknown() -> Truth {
        Truth::Unknown("why".into())
    }

    #[test]
    fn or_is_decided_by_a_true_side() {
        assert_eq!(Truth::any([unknown(), True]), True);
        assert_eq!(Truth::any([unknown(), False]), unknown());
        assert_eq!(Truth::any([False, False]), False);
        assert_eq!(Truth::any([]), False);
    }

    #[test]
    fn and_is_decided_by_a_false_side() {
        assert_eq!(Truth::all([unknown(), False]), False);
        assert_eq!(Truth::all([unknown(), True]), unknown());
        assert_eq!(Truth::all([True, True]), True);
        assert_eq!(Truth::all([]), True);
    }

    #[test]
    fn not_keeps_unknown() {
        assert_eq!(True.not(), False);
        assert_eq!(unknown().not(), unknown());
    }
}
