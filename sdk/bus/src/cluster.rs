//! A NATS cluster for stakebid: the server configuration of each node, with
//! per-role users. The node connects as `auctioneer` and may publish and
//! read every `stakebid.>` subject. Each solver has a user of its own,
//! `solver-<address>`, that may publish only its own commitments and
//! reveals (`stakebid.auctions.*.commitment.<address>`, `….reveal.<address>`)
//! and read only announcements (`stakebid.auctions.*.*`): its credentials
//! cannot announce a round, send in another solver's name or flood its
//! subjects, and cannot see other solvers' commitments and reveals (no last
//! look) — before any signature is checked (the signatures stay checked
//! regardless).
//!
//! `stakebid cluster` and the test harness write these files and start
//! Debian's `nats-server -c FILE` on each.

use alloy::primitives::Address;

use stakebid_intents::envelope::{Kind, ANNOUNCEMENTS};

/// Who connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The node (auctioneer): announcements, awards; reads bids.
    Auctioneer,
}

impl Role {
    /// Its NATS user name.
    pub fn user(self) -> &'static str {
        match self {
            Role::Auctioneer => "auctioneer",
        }
    }
}

/// One solver's NATS user.
#[derive(Clone, Debug)]
pub struct SolverUser {
    /// The solver's registered address (its subjects name it).
    pub address: Address,
    /// Its password.
    pub password: String,
}

impl SolverUser {
    /// Its NATS user name: `solver-<address, lowercase>`.
    pub fn user(&self) -> String {
        format!("solver-{:#x}", self.address)
    }
}

/// The cluster's ports and passwords.
#[derive(Clone, Debug)]
pub struct ClusterSpec {
    /// Client port of each node (on 127.0.0.1).
    pub client_ports: Vec<u16>,
    /// Route (cluster) port of each node.
    pub route_ports: Vec<u16>,
    /// The auctioneer user's password.
    pub auctioneer_password: String,
    /// One user per solver.
    pub solvers: Vec<SolverUser>,
}

impl ClusterSpec {
    /// The server configuration of node `i`.
    pub fn config(&self, i: usize) -> String {
        let routes: Vec<String> = self
            .route_ports
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| format!("\"nats-route://127.0.0.1:{p}\""))
            .collect();
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        format!(
            r#"# stakebid NATS node {i} (generated)
server_name: "stakebid-{i}"
listen: "127.0.0.1:{client}"
cluster {{
  name: "stakebid"
  listen: "127.0.0.1:{route}"
  routes: [{routes}]
}}
authorization {{
  users: [
    {{ user: "auctioneer", password: {ap},
       permissions: {{ publish: {{ allow: ["stakebid.>", "_INBOX.>"] }},
                      subscribe: {{ allow: ["stakebid.>", "_INBOX.>"] }} }} }}
{solvers}  ]
}}
"#,
            client = self.client_ports[i],
            route = self.route_ports[i],
            routes = routes.join(", "),
            ap = q(&self.auctioneer_password),
            solvers = self.solvers.iter().map(|u| solver_entry(u, &q)).collect::<String>(),
        )
    }

    /// The URL list a `role` connects with: every node, its credentials.
    pub fn url(&self, role: Role) -> String {
        let pass = match role {
            Role::Auctioneer => &self.auctioneer_password,
        };
        self.client_ports
            .iter()
            .map(|p| format!("nats://{}:{pass}@127.0.0.1:{p}", role.user()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Solver `n`'s URL on node `node` (its own user and password).
    pub fn solver_url(&self, n: usize, node: usize) -> String {
        let u = &self.solvers[n];
        let port = self.client_ports[node % self.client_ports.len()];
        format!("nats://{}:{}@127.0.0.1:{port}", u.user(), u.password)
    }
}

/// A solver's user: it publishes on its own commitment and reveal subjects
/// only, and reads announcements only.
fn solver_entry(u: &SolverUser, q: &dyn Fn(&str) -> String) -> String {
    let own = |k: Kind| format!("\"stakebid.auctions.*.{}.{:#x}\"", k.token(), u.address);
    format!(
        "    {{ user: {user}, password: {pass},\n       permissions: {{ publish: {{ allow: [{c}, {r}, \"_INBOX.>\"] }},\n                      subscribe: {{ allow: [\"{ANNOUNCEMENTS}\", \"_INBOX.>\"] }} }} }}\n",
        user = q(&u.user()),
        pass = q(&u.password),
        c = own(Kind::Commitment),
        r = own(Kind::Reveal),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_node_routes_to_the_others_and_each_solver_publishes_only_its_own_bids() {
        let (a, b) = (Address::repeat_byte(0xab), Address::repeat_byte(0xcd));
        let spec = ClusterSpec {
            client_ports: vec![1, 2, 3],
            route_ports: vec![11, 12, 13],
            auctioneer_password: "a\"b".into(),
            solvers: vec![
                SolverUser { address: a, password: "s1".into() },
                SolverUser { address: b, password: "s2".into() },
            ],
        };
        let c = spec.config(1);
        assert!(c.contains("listen: \"127.0.0.1:2\""));
        assert!(c.contains("nats-route://127.0.0.1:11") && c.contains("nats-route://127.0.0.1:13"));
        assert!(!c.contains("nats-route://127.0.0.1:12"));
        assert!(c.contains(r#"password: "a\"b""#), "quoted: {c}");
        let first = c.split(&format!("user: \"solver-{a:#x}\"")).nth(1).unwrap();
        let first = first.split("user:").next().unwrap();
        assert!(first.contains(&format!("\"stakebid.auctions.*.commitment.{a:#x}\"")), "{c}");
        assert!(first.contains(&format!("\"stakebid.auctions.*.reveal.{a:#x}\"")), "{c}");
        assert!(!first.contains(&format!("{b:#x}")), "only its own subjects: {c}");
        assert!(first.contains(r#"subscribe: { allow: ["stakebid.auctions.*.*""#), "{c}");
        assert!(!first.contains(r#""stakebid.>""#), "{c}");
        assert_eq!(spec.url(Role::Auctioneer).split(',').count(), 3);
        assert_eq!(spec.solver_url(1, 2), format!("nats://solver-{b:#x}:s2@127.0.0.1:3"));
    }
}
