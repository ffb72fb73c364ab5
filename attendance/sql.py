"""The roll's hot path in plain SQL (no ORM compilation per request).

A teacher's roll submission is the request fifty teachers send in the same minute, so its
reads are precompiled statements, each mirroring a rule stated once in the ORM and tested to
agree with it (tests/attendance/test_fast_path.py):

* ``SESSION_FOR_ROLL`` — the session, its group, its version's attendance policy and what
  the caller is
  to it, in one query: ``attendance.access.lookup_session``'s visibility (official of the
  district, manager of the school, a teacher of the school linked to the group or recorded
  as its substitute) and ``SessionAccess``.
* ``ROLL_CHILDREN`` — ``attendance.selectors.common.roster_student_ids`` (basic-group members
  or the course's confirmed seats, whose application lets them attend that day, not
  dismissed), with each child's approved leave of the day, current mark and guardians.
"""

SESSION_FOR_ROLL = """
SELECT s.id, s.district_id, s.school_id, s.plan_id, s.version_id, s.group_id, s.date, s.weekday,
       s.start_time, s.end_time, s.status, s.cancel_reason, s.public_id,
       g.name, g.kind, g.lineage, g.public_id, v.policy_id,
       p.late_pickup_grace_minutes, p.unexcused_absence_flag_count,
       p.unexcused_absence_window_days, p.warnings_before_dismissal,
       p.late_pickup_flag_count, p.late_pickup_window_days,
       EXISTS (SELECT 1 FROM scheduling_assignment a
                 JOIN scheduling_staffmember sm ON sm.id = a.staff_id
                WHERE a.group_id = s.group_id AND a.weekday = s.weekday AND a.role = 'teacher'
                  AND sm.user_id = %(user)s) AS assigned,
       EXISTS (SELECT 1 FROM scheduling_assignment a
                 JOIN scheduling_staffmember sm ON sm.id = a.staff_id
                WHERE a.group_id = s.group_id AND sm.user_id = %(user)s) AS linked,
       EXISTS (SELECT 1 FROM attendance_staffattendance x
                 JOIN scheduling_staffmember sm ON sm.id = x.substitute_id
                WHERE x.session_id = s.id AND x.status = 'substituted' AND sm.user_id = %(user)s
                  AND NOT EXISTS (SELECT 1 FROM attendance_staffattendance y
                                   WHERE y.supersedes_id = x.id))
           AS substitute,
       EXISTS (SELECT 1 FROM attendance_handover h WHERE h.session_id = s.id) AS has_handovers,
       EXISTS (SELECT 1 FROM aftercare_membership m WHERE m.user_id = %(user)s
                AND m.school_id = s.school_id AND m.role IN ('principal', 'school_admin'))
           AS manager,
       EXISTS (SELECT 1 FROM aftercare_membership m WHERE m.user_id = %(user)s
                AND m.school_id = s.school_id AND m.role IN ('homeroom_teacher', 'care_teacher'))
           AS teacher,
       EXISTS (SELECT 1 FROM aftercare_membership m WHERE m.user_id = %(user)s
                AND m.district_id = s.district_id AND m.role = 'district_official') AS official
  FROM scheduling_session s
  JOIN scheduling_caregroup g ON g.id = s.group_id
  JOIN aftercare_planversion v ON v.id = s.version_id
  LEFT JOIN aftercare_districtpolicy p ON p.id = v.policy_id
 WHERE s.public_id = %(session)s
"""

ROLL_CHILDREN = """
WITH apps AS (
    SELECT a.id FROM enrollment_application a
     WHERE a.plan_id = %(plan)s
       AND a.signed_at IS NOT NULL AND a.insurance_confirmed_at IS NOT NULL
       AND (a.status IN ('approved', 'withdrawal_requested')
            OR (a.status = 'withdrawn' AND a.withdrawal_effective_date >= %(date)s))
), members AS (
    SELECT gm.student_id FROM scheduling_groupmember gm
     WHERE %(basic)s AND gm.group_id = %(group)s AND gm.application_id IN (SELECT id FROM apps)
    UNION
    SELECT r.student_id FROM enrollment_courseregistration r
      JOIN aftercare_course c ON c.id = r.course_id
      JOIN aftercare_planversion v ON v.id = c.version_id
     WHERE NOT %(basic)s AND v.plan_id = %(plan)s AND c.lineage = %(lineage)s
       AND r.status = 'confirmed' AND r.application_id IN (SELECT id FROM apps)
)
SELECT st.id, st.public_id, st.name,
       (SELECT l.id FROM attendance_leaverequest l
         WHERE l.student_id = st.id AND l.status = 'approved'
           AND l.start_date <= %(date)s AND l.end_date >= %(date)s
         ORDER BY l.id LIMIT 1),
       m.status, m.note,
       ARRAY(SELECT g.user_id FROM enrollment_guardianship g
              WHERE g.student_id = st.id ORDER BY g.id)
  FROM members
  JOIN enrollment_student st ON st.id = members.student_id
  LEFT JOIN attendance_attendancemark m ON m.session_id = %(session)s AND m.student_id = st.id
 WHERE NOT EXISTS (SELECT 1 FROM attendance_dismissal d
                    WHERE d.student_id = st.id AND d.last_day < %(date)s)
"""
