public import SwamonCore

/// The frames one sample armed in one address space, and which of them the check found still
/// idle: the page_idle backends' memory between two samples.
///
/// A page sampled again in the next sample (the sparse strategy keeps a page for a few samples)
/// needs no pagemap read: its frame is taken from the last sample, and so is its having none (a
/// page not present then is taken as not present until it is drawn anew, so a first touch that
/// maps it counts only from the next draw on; the kernel would count it in the interval it
/// happened). Its frame needs no mark either
/// if the check found it still idle: that check's read walked the frame's mappings, cleared their
/// Accessed bits and left it idle, which is what marking it would do again — but from the time of
/// that read, not of this sample's start, so an access in between (while the rest of the check,
/// the aggregation and this prepare ran) counts in this sample; the kernel's mkold would have
/// erased it. Such a frame is left armed only while that gap is at most a tenth of the rest of
/// the window (from the last prepare to the check), so the window is never more than 10 % longer
/// than a freshly marked one; otherwise it is marked again. A frame the check found accessed is
/// always marked again. Rebuilt by every `arm`; runs on the monitoring thread only.
public struct ArmedFrames: Sendable {
    /// The last armed sample's addresses (ascending, as regions are), frames and idleness.
    private(set) var addresses: [UInt64] = []
    private(set) var frames: [IdleFrames.Frame?] = []
    private var stillIdle: [Bool] = []
    /// Frames the last `arm` marked (reused idle ones are not counted): for tests and statistics.
    public private(set) var lastMarked = 0
    /// When the last `arm` and the last `check` started (monotonic ns; 0: not yet).
    private var armedAt: UInt64 = 0
    private var checkedAt: UInt64 = 0
    let clock: @Sendable () -> UInt64

    /// `clock`: monotonic nanoseconds (injected so tests can set the gaps).
    public init(clock: @escaping @Sendable () -> UInt64) {
        self.clock = clock
    }

    /// Whether a frame the last check read as idle may stay armed now: the gap since that check
    /// started is at most a tenth of the time from the arming before it to the check.
    func idleFramesStayArmed(now: UInt64) -> Bool {
        guard armedAt > 0, checkedAt >= armedAt, now >= checkedAt else { return false }
        return (now - checkedAt) <= (checkedAt - armedAt) / 10
    }

    /// Arms `addresses` (ascending) for the sample that starts now: reuses what the last sample
    /// knew of an address sampled again, resolves the others with `resolve` (nil: no frame) and
    /// marks every frame that is not known to be idle.
    public mutating func arm(
        _ addresses: [UInt64], in idleFrames: IdleFrames, resolve: ([UInt64]) -> [IdleFrames.Frame?]
    ) {
        let now = clock()
        let reuseIdle = idleFramesStayArmed(now: now)
        var armed = [IdleFrames.Frame?](repeating: nil, count: addresses.count)
        var unknown: [Int] = []
        var toMark: [IdleFrames.Frame] = []
        var previous = 0
        for (i, address) in addresses.enumerated() {
            while previous < self.addresses.count && self.addresses[previous] < address { previous += 1 }
            if previous < self.addresses.count && self.addresses[previous] == address {
                // Sampled again: its frame, or that it had none, as the last sample found.
                guard let frame = frames[previous] else { continue }
                armed[i] = frame
                if !(reuseIdle && stillIdle[previous]) { toMark.append(frame) }
            } else {
                unknown.append(i)
            }
        }
        if !unknown.isEmpty {
            let resolved = resolve(unknown.map { addresses[$0] })
            for (k, i) in unknown.enumerated() where k < resolved.count {
                armed[i] = resolved[k]
                if let frame = resolved[k] { toMark.append(frame) }
            }
        }
        idleFrames.mark(toMark)
        lastMarked = toMark.count
        armedAt = now
        self.addresses = addresses
        frames = armed
        stillIdle = Array(repeating: false, count: addresses.count)
    }

    /// Forgets everything (nothing is armed: the next check reads every page as not accessed).
    public mutating func clear() {
        addresses = []
        frames = []
        stillIdle = []
        armedAt = 0
    }

    /// Whether each of the `count` sampled pages was accessed since `arm`; remembers which frames
    /// the read found still idle.
    public mutating func check(in idleFrames: IdleFrames, count: Int) -> [PageAccess] {
        guard frames.count == count else { return idleFrames.check(frames, count: count) }
        checkedAt = clock()
        let (accesses, idle) = idleFrames.checkKeepingIdleness(frames)
        stillIdle = idle
        return accesses
    }
}
