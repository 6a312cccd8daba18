"""The legal acts: one function per act, the one home of its rules and its whole effect.

Every way in — the public pages, the emailed links, the admin, the management commands,
the booking import, a restore, retention and the background worker — calls these and
nothing else. Each act is keyword-only and typed, runs in one transaction, and writes its
own audit entry naming its actor (`actor: User | None`; None for the person themselves or
the system). What an act refuses it raises as `RightsError` (errors.py) or a
`ValidationError`, with a message for the user.

The index: act — function (module) — law — who calls it.

Requests (requests.py), GDPR Art. 12:
- receive a request — submit_request — Art. 12, 15-22 — the /rights/ form; answer it (the
  link, or "nothing held") — answer_submitted — the background worker, `send_outbox`
- confirm a request — verify_request — Art. 12(6) — /rights/verify/<token>/
- ask on one's own page — start_request — Art. 12 — /rights/my-data/
- record a request made on paper, by phone, in person — record_request — Art. 12, R11 —
  the admin's "Record a request"
- extend the deadline — extend_request — Art. 12(3) — the admin's request page
- refuse — refuse_request — Art. 12(4) — the admin's request page
- complete — complete_request — Art. 12(3) — the admin's request page
- release the access report — release_report — Art. 15 — the admin's request page, or at
  once with RIGHTS_AUTO_RELEASE_REPORT

Access and the copy (access.py):
- give access or a copy — access_report — Art. 15, 20 — the admin's report (page, JSON,
  CSV), /rights/report/, /rights/my-data/ and its download, `manage.py export_customer`
- open a released report — open_released_report — Art. 15 — /rights/report/<token>/

Erasure (erasure.py):
- erase a person — erase_customer — Art. 17, P7 — the admin's erase action,
  `manage.py erase_customer`, retention, a restore (restore.reapply)
- carry out an erasure request — carry_out_erasure — Art. 17, 12(3) — the request page

Rectification (rectification.py):
- correct one's details — rectify_contact_details — Art. 16, P14 — /rights/my-data/
- change an email address — request_email_change, confirm_email_change — Art. 16 —
  /rights/my-data/, the admin's customer page, /rights/confirm-email/<token>/

Restriction (restriction.py):
- restrict processing — restrict — Art. 18(1) — /rights/my-data/, a restriction request
- lift a restriction — lift_restriction — Art. 18(3) — the admin's customer list action
  and the button on the customer's page (which is read-only while the restriction lasts)
- refuse anything new while restricted — Customer.refuse_if_restricted (customers/models.py,
  as the register does not import consent) — Art. 18(2) — the clean() of a new enrolment,
  purchase or interaction, hence every admin form, the enrol page and the import

Objection (objection.py):
- object to direct marketing — record_objection — Art. 21(2)-(3), P13 — /rights/my-data/,
  an objection request

Consent (consent.py):
- give or withdraw consent — record_consent — Art. 7, Act 917/2014 §200 —
  /rights/my-data/, the admin's "Record a consent", the sign-up confirmation, the
  unsubscribe link

Retention (retention.py):
- apply retention — apply_retention — Art. 5(1)(e) — `manage.py apply_retention`, the
  background worker daily

Restore (restore.py):
- apply again what outlives a backup — snapshot, reapply — Art. 5(2), 17, 21 —
  `manage.py restore` (rekisteri/backup.py)

The periods retention applies, the privacy notice states and the access report shows are
the inventory's RETENTION_RULES (customers/inventory.py); what erasure does to each field
is the inventory's too. The fields a customer may correct are `CORRECTABLE_FIELDS`
(rectification.py), used by the form on their page and by the act.
"""
