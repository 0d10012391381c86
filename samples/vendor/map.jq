{guard_id: .emp, ts: .when, type: (.dir | ascii_upcase), device_id: .dev, detachment_id: .site}
