//! A NATS cluster for stakebid: the server configuration of each node, with
//! per-role users. The node connects as `auctioneer` and may publish on
//! every `stakebid.>` subject; a solver connects as `solver` and may publish
//! only commitments and reveals, so a solver's credentials cannot announce
//! a round or an award even before any signature is checked (the
//! signatures stay checked regardless). Both read `stakebid.>`.
//!
//! `stakebid cluster` and the test harness write these files and start
//! Debian's `nats-server -c FILE` on each.

/// Who connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The node (auctioneer): announcements, awards; reads bids.
    Auctioneer,
    /// A solver: commitments and reveals; reads announcements.
    Solver,
}

impl Role {
    /// Its NATS user name.
    pub fn user(self) -> &'static str {
        match self {
            Role::Auctioneer => "auctioneer",
            Role::Solver => "solver",
        }
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
    /// The solver user's password.
    pub solver_password: String,
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
    {{ user: "solver", password: {sp},
       permissions: {{ publish: {{ allow: ["stakebid.auctions.*.commitment", "stakebid.auctions.*.reveal", "_INBOX.>"] }},
                      subscribe: {{ allow: ["stakebid.>", "_INBOX.>"] }} }} }}
  ]
}}
"#,
            client = self.client_ports[i],
            route = self.route_ports[i],
            routes = routes.join(", "),
            ap = q(&self.auctioneer_password),
            sp = q(&self.solver_password),
        )
    }

    /// The URL list a `role` connects with: every node, its credentials.
    pub fn url(&self, role: Role) -> String {
        let pass = match role {
            Role::Auctioneer => &self.auctioneer_password,
            Role::Solver => &self.solver_password,
        };
        self.client_ports
            .iter()
            .map(|p| format!("nats://{}:{pass}@127.0.0.1:{p}", role.user()))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_node_routes_to_the_others_and_solvers_publish_only_bids() {
        let spec = ClusterSpec {
            client_ports: vec![1, 2, 3],
            route_ports: vec![11, 12, 13],
            auctioneer_password: "a\"b".into(),
            solver_password: "s".into(),
        };
        let c = spec.config(1);
        assert!(c.contains("listen: \"127.0.0.1:2\""));
        assert!(c.contains("nats-route://127.0.0.1:11") && c.contains("nats-route://127.0.0.1:13"));
        assert!(!c.contains("nats-route://127.0.0.1:12"));
        assert!(c.contains(r#"password: "a\"b""#), "quoted: {c}");
        let solver = c.split("user: \"solver\"").nth(1).unwrap();
        assert!(solver.contains(r#"publish: { allow: ["stakebid.auctions.*.commitment""#));
        assert!(!solver.contains(r#"publish: { allow: ["stakebid.>""#));
        assert_eq!(spec.url(Role::Solver).split(',').count(), 3);
    }
}
