use actix_web::http::header;
use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// `GET /metrics`: the process's Prometheus recorder, rendered on demand. Gauges that are
/// read rather than recorded (the database pool) are sampled just before each render.
#[derive(Clone)]
pub struct MetricsEndpoint {
    handle: PrometheusHandle,
    samplers: Vec<Arc<dyn Fn() + Send + Sync>>,
}

impl MetricsEndpoint {
    pub fn new(handle: PrometheusHandle) -> Self {
        Self {
            handle,
            samplers: Vec::new(),
        }
    }

    /// Runs `sample` before every render, to set gauges from their source.
    pub fn sample_before_render(mut self, sample: impl Fn() + Send + Sync + 'static) -> Self {
        self.samplers.push(Arc::new(sample));
        self
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        for sample in &self.samplers {
            sample();
        }
        self.handle.run_upkeep();
        self.handle.render()
    }
}

pub(super) async fn render(endpoint: web::Data<MetricsEndpoint>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(endpoint.render())
}
