//! A shard's addressing with no I/O: a member-cache miss holds only its own conversation.

use super::*;
use crate::envelope::EventPosition;
use bytestring::ByteString;

fn members(conversation_id: Uuid) -> Audience {
    Audience::Members {
        conversation_id,
        except: None,
        also: None,
    }
}

fn event(conversation_id: Uuid, seq: i64, effect: Effect) -> Outbound {
    Arc::new(Frame {
        text: ByteString::from(format!("{conversation_id}:{seq}")),
        position: Some(EventPosition {
            conversation_id,
            seq,
        }),
        effect,
        conversation_id: Some(conversation_id),
    })
}

fn texts(delivery: &Delivery) -> Vec<String> {
    delivery
        .iter()
        .map(|frame| frame.text.to_string())
        .collect()
}

#[test]
fn a_miss_holds_its_conversation_and_not_the_others() {
    let (slow, fast, ada) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut shard = Shard::default();
    shard.members.insert(fast, Arc::from([ada]));
    let mut round = Round::default();
    let lookup = shard.address(
        true,
        members(slow),
        event(slow, 1, Effect::None),
        &mut round,
    );
    assert_eq!(lookup, Some(slow));
    // A second frame of the held conversation waits behind the first, without a second
    // look-up.
    let again = shard.address(
        true,
        members(slow),
        event(slow, 2, Effect::None),
        &mut round,
    );
    assert_eq!(again, None);
    assert_eq!(
        shard.address(
            true,
            members(fast),
            event(fast, 1, Effect::None),
            &mut round
        ),
        None
    );
    let now = round.take();
    assert_eq!(texts(&now[&ada]), [format!("{fast}:1")]);
    // The look-up answers: the held frames go out, in order.
    let bob = Uuid::now_v7();
    assert_eq!(
        shard.resolved(slow, Some(Arc::from([ada, bob])), &mut round),
        None
    );
    let later = round.take();
    for user in [ada, bob] {
        assert_eq!(
            texts(&later[&user]),
            [format!("{slow}:1"), format!("{slow}:2")]
        );
    }
    // Now cached: the next frame goes out at once.
    shard.address(
        true,
        members(slow),
        event(slow, 3, Effect::None),
        &mut round,
    );
    assert_eq!(texts(&round.take()[&bob]), [format!("{slow}:3")]);
}

#[test]
fn a_membership_change_behind_a_look_up_starts_another_for_what_follows() {
    let (room, ada, bob) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut shard = Shard::default();
    let mut round = Round::default();
    let joined = event(room, 2, Effect::MembershipChanged);
    assert_eq!(
        shard.address(
            true,
            members(room),
            event(room, 1, Effect::None),
            &mut round
        ),
        Some(room)
    );
    shard.address(true, members(room), joined, &mut round);
    shard.address(
        true,
        members(room),
        event(room, 3, Effect::None),
        &mut round,
    );
    // The first look-up (before bob joined) serves seq 1 only.
    assert_eq!(
        shard.resolved(room, Some(Arc::from([ada])), &mut round),
        Some(room)
    );
    let first = round.take();
    assert_eq!(texts(&first[&ada]), [format!("{room}:1")]);
    assert!(!first.contains_key(&bob));
    assert_eq!(
        shard.resolved(room, Some(Arc::from([ada, bob])), &mut round),
        None
    );
    let second = round.take();
    for user in [ada, bob] {
        assert_eq!(
            texts(&second[&user]),
            [format!("{room}:2"), format!("{room}:3")]
        );
    }
}

#[test]
fn a_failed_look_up_skips_the_held_frames_and_the_next_one_tries_again() {
    let (room, ada) = (Uuid::now_v7(), Uuid::now_v7());
    let mut shard = Shard::default();
    let mut round = Round::default();
    shard.address(
        true,
        members(room),
        event(room, 1, Effect::None),
        &mut round,
    );
    assert_eq!(shard.resolved(room, None, &mut round), None);
    assert!(round.take().is_empty());
    assert_eq!(
        shard.address(
            true,
            members(room),
            event(room, 2, Effect::None),
            &mut round
        ),
        Some(room)
    );
    shard.resolved(room, Some(Arc::from([ada])), &mut round);
    assert_eq!(texts(&round.take()[&ada]), [format!("{room}:2")]);
}

#[test]
fn with_nobody_connected_nothing_is_looked_up() {
    let room = Uuid::now_v7();
    let mut shard = Shard::default();
    let mut round = Round::default();
    assert_eq!(
        shard.address(
            false,
            members(room),
            event(room, 1, Effect::None),
            &mut round
        ),
        None
    );
    assert!(round.take().is_empty());
}

#[test]
fn a_conversation_always_goes_to_the_same_shard() {
    let (shards, mut queues) = Shards::new(4);
    let room = Uuid::now_v7();
    for seq in 1..=20 {
        shards.send(Envelope::Deliver {
            audience: members(room),
            frame: event(room, seq, Effect::None),
        });
    }
    let busy: Vec<usize> = queues
        .iter_mut()
        .map(|queue| std::iter::from_fn(|| queue.try_recv().ok()).count())
        .collect();
    assert_eq!(busy.iter().filter(|&&count| count > 0).count(), 1);
    assert_eq!(busy.iter().sum::<usize>(), 20);
}
