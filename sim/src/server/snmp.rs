//! The SNMP agent (UDP 161), while `/snmp enabled=yes`: v1 and v2c GetRequests from a community
//! that may read ([`Router::snmp_community_reads`]) are answered for the system group's
//! `sysDescr.0` (`RouterOS CHR`), `sysContact.0`, `sysName.0` (the identity) and
//! `sysLocation.0`; any other object is `noSuchObject` (v2c) or `noSuchName` (v1). A request
//! with a community that may not read, any other PDU and anything unreadable get no reply
//! (RouterOS ignores a wrong community; no capture says more: FIDELITY.md).

use std::net::IpAddr;

use routeros::snmp::{self, GET_REQUEST, GET_RESPONSE, Message, Oid, Value, Version};
use tracing::debug;

use crate::router::{Router, SNMP_SYS_DESCR};

/// The reply to one request from `from`, or `None` when it is ignored.
pub(crate) fn answer(router: &Router, request: &[u8], from: IpAddr) -> Option<Vec<u8>> {
    let asked = match Message::parse(request) {
        Ok(m) => m,
        Err(e) => {
            debug!(%from, error = %e, "snmp request dropped");
            return None;
        }
    };
    if asked.pdu != GET_REQUEST {
        debug!(%from, pdu = asked.pdu, "snmp pdu not served");
        return None;
    }
    if !router.snmp_community_reads(&asked.community, from) {
        debug!(%from, "snmp community may not read: ignored");
        return None;
    }
    let mut reply = Message {
        pdu: GET_RESPONSE,
        error_status: 0,
        error_index: 0,
        varbinds: Vec::with_capacity(asked.varbinds.len()),
        ..asked.clone()
    };
    for (i, (oid, _)) in asked.varbinds.iter().enumerate() {
        match value_of(router, oid) {
            Some(v) => reply
                .varbinds
                .push((oid.clone(), Value::OctetString(v.into_bytes()))),
            None if asked.version == Version::V2c => {
                reply.varbinds.push((oid.clone(), Value::NoSuchObject))
            }
            None => {
                // v1: the whole request fails, its bindings sent back as they came.
                reply.error_status = snmp::NO_SUCH_NAME;
                reply.error_index = i as i64 + 1;
                reply.varbinds = asked.varbinds.clone();
                break;
            }
        }
    }
    Some(snmp::encode(&reply))
}

fn value_of(router: &Router, oid: &Oid) -> Option<String> {
    const SYS: [u32; 7] = [1, 3, 6, 1, 2, 1, 1];
    let rest = oid.0.strip_prefix(&SYS[..])?;
    match rest {
        [1, 0] => Some(SNMP_SYS_DESCR.to_string()),
        [4, 0] => Some(router.menu_value("snmp", "contact").unwrap_or_default()),
        [5, 0] => Some(router.identity()),
        [6, 0] => Some(router.menu_value("snmp", "location").unwrap_or_default()),
        _ => None,
    }
}
