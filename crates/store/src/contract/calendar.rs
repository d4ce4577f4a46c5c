//! Contract checks of the work calendar.

use super::*;

pub async fn calendar(store: &dyn Store) {
    assert_eq!(store.calendar().await.unwrap(), WorkCalendar::default());
    let builtin = WorkCalendar::builtin();
    let entries: Vec<CalendarEntry> = builtin.entries().cloned().collect();
    assert_eq!(
        store.put_calendar(&sys(), &entries).await.unwrap(),
        entries.len()
    );
    assert_eq!(store.calendar().await.unwrap(), builtin);

    // An administrator adds 2027; replacing an existing date keeps one row.
    let d = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let new = CalendarEntry {
        date: d,
        kind: DayKind::Off,
        festival: "元旦".into(),
        notice_year: 2027,
    };
    store
        .put_calendar(&sys(), std::slice::from_ref(&new))
        .await
        .unwrap();
    store.put_calendar(&sys(), &[new]).await.unwrap();
    let cal = store.calendar().await.unwrap();
    assert!(cal.covers(2027));
    assert!(!cal.is_working_day(d).value);
    assert_eq!(cal.entries().count(), entries.len() + 1);
}
