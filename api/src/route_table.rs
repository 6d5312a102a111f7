//! The route table: which methods each path allows, to tell 405 from 404.

use std::collections::BTreeMap;

use actix_web::dev::{HttpServiceFactory, ResourceDef};
use actix_web::http::Method;
use utoipa::openapi::path::PathItem;
use utoipa_actix_web::OpenApiFactory;

use crate::routes::Routes;

/// Every path of the contract with its methods, to tell 405 from 404.
#[derive(Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
}

/// Collects the route table from the routes' paths alone, without the schemas that the whole
/// contract collects (tens of megabytes at its peak).
#[derive(Default)]
pub struct Collector {
    prefix: String,
    paths: BTreeMap<String, Vec<Method>>,
}

impl Collector {
    /// Registers the routes under `prefix`, as a scope would.
    pub fn scope(&mut self, prefix: &str, f: impl FnOnce(&mut Self)) -> &mut Self {
        let inner = format!("{}{prefix}", self.prefix);
        let outer = std::mem::replace(&mut self.prefix, inner);
        f(self);
        self.prefix = outer;
        self
    }

    pub fn finish(self) -> RouteTable {
        let routes = self
            .paths
            .into_iter()
            .map(|(path, methods)| (ResourceDef::new(path.as_str()), methods))
            .collect();
        RouteTable { routes }
    }
}

impl Routes for Collector {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        for (path, item) in factory.paths().paths {
            self.paths
                .entry(format!("{}{path}", self.prefix))
                .or_default()
                .extend(methods_of(&item));
        }
        self
    }
}

fn methods_of(item: &PathItem) -> Vec<Method> {
    [
        (&item.get, Method::GET),
        (&item.put, Method::PUT),
        (&item.post, Method::POST),
        (&item.delete, Method::DELETE),
        (&item.patch, Method::PATCH),
        (&item.head, Method::HEAD),
        (&item.options, Method::OPTIONS),
    ]
    .into_iter()
    .filter(|(op, _)| op.is_some())
    .map(|(_, m)| m)
    .collect()
}

impl RouteTable {
    /// The methods the contract allows on `path`; empty when no route has that path.
    pub fn allowed(&self, path: &str) -> Vec<Method> {
        let mut methods: Vec<Method> = self
            .routes
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, m)| m.iter().cloned())
            .collect();
        methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        methods.dedup();
        methods
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut methods: Vec<Method>) -> Vec<Method> {
        methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        methods
    }

    #[test]
    fn the_collected_table_has_the_contracts_paths_and_methods() {
        let table = crate::route_table();
        let collected: BTreeMap<String, Vec<Method>> = table
            .routes
            .iter()
            .map(|(def, methods)| {
                let path = def.pattern().unwrap_or_default().to_owned();
                (path, sorted(methods.clone()))
            })
            .collect();
        let contract: BTreeMap<String, Vec<Method>> = crate::openapi()
            .paths
            .paths
            .iter()
            .map(|(path, item)| (path.clone(), sorted(methods_of(item))))
            .collect();
        assert_eq!(collected, contract);
        assert!(contract.len() > 50);
        assert_eq!(
            table.allowed("/api/v1/devices/d-1/meter-readings"),
            vec![Method::GET, Method::POST]
        );
        assert!(table.allowed("/api/v1/no-such-thing").is_empty());
    }
}
