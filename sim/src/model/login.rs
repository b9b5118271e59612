//! Logins and logouts: credentials, group policy, `address=` restrictions and the log lines they write.

use std::net::IpAddr;

use routeros::login::{
    ACCOUNT_TOPICS, Direction, FAILURE_TOPICS, Via, account_message, failure_message,
};

use super::ExecError;
use super::log;
use super::schema::addr_allowed;
use super::state::{LoginRefusal, LoginVia, SessionRec, State};
use super::users;

impl State {
    /// Checks a login and writes the log lines RouterOS writes.
    pub fn login(
        &mut self,
        user_with_opts: &str,
        password: &str,
        via: LoginVia,
        from: Option<IpAddr>,
    ) -> Result<SessionRec, LoginRefusal> {
        let (name, opts) = users::split_login_name(user_with_opts);
        if let Some(o) = opts {
            tracing::debug!(user = name, options = o, "login name options stripped");
        }
        if let Some(svc) = via.service {
            let allowed = self
                .items("ip/service")
                .iter()
                .find(|s| s.get("name") == Some(svc))
                .is_none_or(|s| addr_allowed(s.get("address").unwrap_or(""), from));
            if !allowed {
                return Err(LoginRefusal::ServiceAddress);
            }
        }
        let user = self
            .items("user")
            .into_iter()
            .find(|u| u.get("name") == Some(name) && !u.is("disabled"));
        let refusal = match &user {
            None => Some(LoginRefusal::BadCredentials),
            Some(u) if u.get("password").unwrap_or("") != password => {
                Some(LoginRefusal::BadCredentials)
            }
            Some(u)
                if !via.policy.is_empty()
                    && !users::has_policy(
                        &self.group_policy(u.get("group").unwrap_or("")),
                        via.policy,
                    ) =>
            {
                Some(LoginRefusal::Policy)
            }
            Some(u)
                if !self.rest_skips_user_address(via)
                    && !addr_allowed(u.get("address").unwrap_or(""), from) =>
            {
                Some(LoginRefusal::UserAddress)
            }
            Some(_) => None,
        };
        let (Some(u), None) = (user, refusal) else {
            let msg = failure_message(name, from, via.word);
            self.log(FAILURE_TOPICS, &msg);
            return Err(refusal.unwrap_or(LoginRefusal::BadCredentials));
        };
        let group = u.get("group").unwrap_or("").to_string();
        let now = self.now();
        let previous_login = self
            .sessions
            .iter()
            .filter(|s| s.user == name)
            .map(|s| s.at)
            .max();
        let rec = SessionRec {
            id: self.next_session,
            user: name.to_string(),
            group,
            via: via.word.as_str(),
            from,
            at: now,
            previous_login,
        };
        self.next_session += 1;
        if via.rest {
            let key = (name.to_string(), from);
            if !self.rest_logged.contains(&key) {
                self.rest_logged.push(key);
                self.log(
                    ACCOUNT_TOPICS,
                    &account_message(name, Direction::In, from, via.word),
                );
                self.log(
                    ACCOUNT_TOPICS,
                    &account_message(name, Direction::In, None, Via::Api),
                );
            }
            return Ok(rec);
        }
        self.log(
            ACCOUNT_TOPICS,
            &account_message(name, Direction::In, from, via.word),
        );
        if let Some(item) = self.tables.get_mut("user").and_then(|t| t.by_id_mut(u.id)) {
            item.set("last-logged-in", &log::full_date(self.ver, now));
            self.dirty = true;
        }
        self.sessions.push(rec.clone());
        Ok(rec)
    }

    /// CVE-2023-41570: 7.1 to 7.11 did not apply the user's `address=` to REST.
    fn rest_skips_user_address(&self, via: LoginVia) -> bool {
        via.rest && self.ver.ge(7, 1) && !self.ver.ge(7, 12)
    }

    /// Ends a session and logs `user X logged out ...` (not for REST).
    pub fn logout(&mut self, id: u32) {
        if let Some(pos) = self.sessions.iter().position(|s| s.id == id) {
            let s = self.sessions.remove(pos);
            let via = s.via.parse().unwrap_or(Via::Local);
            self.log(
                ACCOUNT_TOPICS,
                &account_message(&s.user, Direction::Out, s.from, via),
            );
        }
    }

    /// The policies of a user's group now (empty if the user is gone).
    pub fn policy_of(&self, user: &str) -> String {
        self.items("user")
            .iter()
            .find(|u| u.get("name") == Some(user))
            .map(|u| self.group_policy(u.get("group").unwrap_or("")))
            .unwrap_or_default()
    }

    /// Changes a user's own password (`/password`, the login nag).
    pub fn set_password(&mut self, user: &str, new: &str) -> Result<(), ExecError> {
        let t = self
            .tables
            .get_mut("user")
            .ok_or_else(ExecError::no_such_item)?;
        let item = t
            .items
            .iter_mut()
            .find(|u| u.get("name") == Some(user))
            .ok_or_else(ExecError::no_such_item)?;
        item.set("password", new);
        self.dirty = true;
        Ok(())
    }

    /// Whether the user's password is empty.
    pub fn password_is_empty(&self, user: &str) -> bool {
        self.items("user")
            .iter()
            .find(|u| u.get("name") == Some(user))
            .is_some_and(|u| u.get("password").unwrap_or("").is_empty())
    }

    pub fn password_matches(&self, user: &str, password: &str) -> bool {
        self.items("user")
            .iter()
            .find(|u| u.get("name") == Some(user))
            .is_some_and(|u| u.get("password").unwrap_or("") == password)
    }
}
