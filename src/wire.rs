//! The proxy's JSON, read and written through the browser's own `JSON` and property access rather than serde: the
//! widget then carries no deserializer per type and no general-purpose data model, which keeps kilobytes out of the
//! wasm (see BENCHMARKS.md).
//!
//! Reading follows the rules of `devices_api`: an unknown field is ignored, an optional field of the wrong type
//! reads as absent, and a required field that is missing or mistyped makes the whole answer unreadable.

use devices_api::{CreateDevice, Device, DeviceList, EmbeddedDevices, ErrorBody, ErrorDetail, IdRef, InnerError, Lock};
use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::types::WidgetConfig;

/// One JSON object of an answer.
struct Fields(JsValue);

impl Fields {
    fn get(&self, key: &str) -> JsValue {
        Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn text(&self, key: &str) -> Option<String> {
        self.get(key).as_string()
    }

    /// A whole number that fits a `u32`.
    fn count(&self, key: &str) -> Option<u32> {
        let number = self.get(key).as_f64()?;
        (number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&number)).then_some(number as u32)
    }

    fn object(&self, key: &str) -> Option<Fields> {
        Some(self.get(key)).filter(JsValue::is_object).map(Fields)
    }

    /// An array of objects; anything else in it makes the whole array unreadable.
    fn list(&self, key: &str) -> Option<Vec<Fields>> {
        let items = self.get(key).dyn_into::<Array>().ok()?;
        items.iter().map(|item| item.is_object().then_some(Fields(item))).collect()
    }

    fn id_ref(&self) -> Option<IdRef> {
        Some(IdRef { id: self.text("id")? })
    }
}

/// The object that `text` holds, parsed by the browser.
fn parse(text: &str) -> Option<Fields> {
    JSON::parse(text).ok().filter(JsValue::is_object).map(Fields)
}

/// A device; its `environment` and `user` are not read, because the widget only ever acts for its own person.
fn device(fields: &Fields) -> Option<Device> {
    Some(Device {
        id: fields.text("id")?,
        device_type: fields.text("type")?.into(),
        status: fields.text("status")?.into(),
        environment: None,
        user: None,
        created_at: fields.text("createdAt"),
        updated_at: fields.text("updatedAt"),
        nickname: fields.text("nickname"),
        phone: fields.text("phone"),
        extension: fields.text("extension"),
        email: fields.text("email"),
        secret: fields.text("secret"),
        key_uri: fields.text("keyUri"),
        serial_number: fields.text("serialNumber"),
        token_type: fields.text("tokenType"),
        lock: fields
            .object("lock")
            .and_then(|lock| Some(Lock { status: lock.text("status")?, expires_at: lock.text("expiresAt") })),
    })
}

pub fn read_device(text: &str) -> Option<Device> {
    device(&parse(text)?)
}

pub fn read_device_list(text: &str) -> Option<DeviceList> {
    let embedded = parse(text)?.object("_embedded")?;
    let devices = embedded.list("devices")?.iter().map(device).collect::<Option<_>>()?;
    let order = embedded.list("order").unwrap_or_default().iter().map(Fields::id_ref).collect::<Option<_>>()?;
    Some(DeviceList { embedded: EmbeddedDevices { devices, order }, count: None, size: None })
}

pub fn read_error(text: &str) -> Option<ErrorBody> {
    let body = parse(text)?;
    let details = body.list("details").unwrap_or_default().iter().map(error_detail).collect::<Option<_>>()?;
    Some(ErrorBody {
        id: body.text("id").unwrap_or_default(),
        code: body.text("code")?,
        message: body.text("message").unwrap_or_default(),
        details,
    })
}

fn error_detail(detail: &Fields) -> Option<ErrorDetail> {
    // PingOne's docs spell it `innererror`, its SDKs `innerError`: both are read.
    let inner = detail.object("innerError").or_else(|| detail.object("innererror"));
    Some(ErrorDetail {
        code: detail.text("code")?,
        target: detail.text("target"),
        message: detail.text("message").unwrap_or_default(),
        inner_error: inner.map(|inner| InnerError {
            remaining_attempts: inner.count("remainingAttempts"),
            lock_expires_at: inner.text("lockExpiresAt"),
            retry_after: inner.count("retryAfter"),
            maximum_value: inner.count("maximumValue"),
        }),
    })
}

pub fn read_config(text: &str) -> Option<WidgetConfig> {
    let config = parse(text)?;
    let device_types = config.get("deviceTypes").dyn_into::<Array>().ok()?;
    Some(WidgetConfig {
        device_types: device_types.iter().map(|name| name.as_string().map(Into::into)).collect::<Option<_>>()?,
        resend_cooldown_seconds: config.count("resendCooldownSeconds"),
        issuer: config.text("issuer"),
        phone_extensions: config.get("phoneExtensions").as_bool().unwrap_or(false),
    })
}

/// A request body; fields given as `None` are left out.
pub struct Body(Object);

impl Body {
    fn new() -> Self {
        Self(Object::new())
    }

    fn with(self, key: &str, value: impl Into<JsValue>) -> Self {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    fn with_some(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// The body as JSON text.
    pub fn text(&self) -> Option<String> {
        JSON::stringify(&self.0).ok().map(String::from)
    }
}

/// `{"id": …}`, as PingOne refers to another resource.
fn id_ref(id: &str) -> Body {
    Body::new().with("id", id)
}

pub fn create_body(request: &CreateDevice) -> Body {
    let body = Body::new()
        .with("type", request.device_type.as_str())
        .with_some("status", request.status.as_ref().map(|status| status.as_str()))
        .with_some("nickname", request.nickname.as_deref())
        .with_some("phone", request.phone.as_deref())
        .with_some("extension", request.extension.as_deref())
        .with_some("email", request.email.as_deref())
        .with_some("serialNumber", request.serial_number.as_deref());
    match &request.policy {
        Some(policy) => body.with("policy", id_ref(&policy.id).0),
        None => body,
    }
}

pub fn activate_body(otp: &str, oath_resync: bool) -> Body {
    let body = Body::new().with("otp", otp);
    if oath_resync { body.with("oathResync", true) } else { body }
}

pub fn nickname_body(nickname: &str) -> Body {
    Body::new().with("nickname", nickname)
}

/// `{"order": [{"id": …}, …]}`.
pub fn order_body(order: &[String]) -> Body {
    Body::new().with("order", order.iter().map(|id| JsValue::from(id_ref(id).0)).collect::<Array>())
}
