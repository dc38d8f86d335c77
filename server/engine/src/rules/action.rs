//! The fix action registry: the ids rules name in `actions = [...]`.
//!
//! One enum, so that every face that acts on an action (the language
//! server's code actions, the explanation's doctor hint) matches it
//! exhaustively: an action added here fails to compile until each face says
//! what it does with it. The ids are the wire names (kebab-case) the rule
//! files, `rules/advice.toml`, the diagnostics' `data.actions` and the
//! editor clients use. Each action's effect and implementer is in
//! ARCHITECTURE.md ("Fix action registry").

use serde::{Deserialize, Serialize};
use std::fmt;

/// A fix action a rule may offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Open the rule's full explanation for this finding.
    Explain,
    /// Run `claude auth status`.
    AuthStatus,
    /// Run Claude Code's `/login`.
    Login,
    /// Run `claude setup-token`.
    SetupToken,
    /// Run the doctor's checks.
    Doctor,
    /// The opt-in live key check.
    Probe,
    /// Show (and undo, with a backup) a key or token overriding the login.
    UnsetShadowingEnv,
    /// Move a stale `~/.claude/.credentials.json` aside.
    MoveCredentials,
    /// Show `ANTHROPIC_BASE_URL` and the proxy settings.
    CheckBaseUrl,
    /// Run `aws sts get-caller-identity`.
    AwsIdentity,
    /// Run `gcloud auth application-default login`.
    GcloudAdc,
    /// Write the finding's non-secret report.
    Report,
    /// Suppress the finding.
    Suppress,
}

impl Action {
    /// Every action, in the registry's order.
    pub const ALL: [Action; 13] = [
        Action::Explain,
        Action::AuthStatus,
        Action::Login,
        Action::SetupToken,
        Action::Doctor,
        Action::Probe,
        Action::UnsetShadowingEnv,
        Action::MoveCredentials,
        Action::CheckBaseUrl,
        Action::AwsIdentity,
        Action::GcloudAdc,
        Action::Report,
        Action::Suppress,
    ];

    /// The id, as rule files and the diagnostics' data write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Explain => "explain",
            Action::AuthStatus => "auth-status",
            Action::Login => "login",
            Action::SetupToken => "setup-token",
            Action::Doctor => "doctor",
            Action::Probe => "probe",
            Action::UnsetShadowingEnv => "unset-shadowing-env",
            Action::MoveCredentials => "move-credentials",
            Action::CheckBaseUrl => "check-base-url",
            Action::AwsIdentity => "aws-identity",
            Action::GcloudAdc => "gcloud-adc",
            Action::Report => "report",
            Action::Suppress => "suppress",
        }
    }

    /// The action of an id.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The problem with an unknown id, naming the known ones.
    pub(crate) fn unknown(name: &str) -> String {
        format!("unknown action `{name}`, expected one of {}", Action::ALL.map(Action::as_str).join(", "))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Action;

    /// The ids are the wire names: serde, `as_str` and `from_name` agree.
    #[test]
    fn ids_round_trip_through_serde() {
        for a in Action::ALL {
            assert_eq!(serde_json::to_value(a).ok(), Some(a.as_str().into()));
            assert_eq!(serde_json::from_value::<Action>(a.as_str().into()).ok(), Some(a));
            assert_eq!(Action::from_name(a.as_str()), Some(a));
        }
        assert!(Action::unknown("rm-rf").contains("rm-rf"));
    }
}
