import DiagCore
import DiagSupport

extension SharingPolicy {
    /// Resolves the destination's region from `--to-region` and the profile's destination entry
    /// for `target`, rejecting the two when they disagree. Returns nil when neither names one.
    public func destinationRegion(for target: String, toRegion: String?) throws -> String? {
        let listed = destination(matching: target)?.region
        if let toRegion {
            try CollectionSettings.validateName(toRegion, option: "--to-region")
            if let listed, listed != toRegion {
                throw TransferError.sharingRefused(
                    reason: "--to-region \(toRegion) contradicts the region \(listed) listed for \(target) under sharing.destinations",
                    setting: "correct --to-region or the destination's region in the profile")
            }
            return toRegion
        }
        return listed
    }

    /// Checks that a bundle made in `mode` from `bundleRegion` may go to a destination in
    /// `destinationRegion`, and throws `TransferError.sharingRefused` naming the setting to change
    /// when it may not.
    ///
    /// Self-hosted bundles need sharing enabled, by the profile or by `enabledByOption`
    /// (`--enable-sharing`). In every mode both regions must be listed in `allowedRegions`.
    public func check(
        mode: DeploymentMode, bundleRegion: String, destinationRegion: String?, enabledByOption: Bool
    ) throws {
        if mode == .selfHosted && !enabled && !enabledByOption {
            throw TransferError.sharingRefused(
                reason: "the bundle comes from a self-hosted site, where nothing is shared unless sharing is enabled",
                setting: "set 'sharing: {enabled: true}' in the profile given with --profile, or pass --enable-sharing")
        }
        guard let destinationRegion else {
            throw TransferError.sharingRefused(
                reason: "the destination's region is unknown, so data residency cannot be checked",
                setting: "pass --to-region NAME, or list the destination with its url and region under sharing.destinations in the profile")
        }
        guard !allowedRegions.isEmpty else {
            throw TransferError.sharingRefused(
                reason: "no region is allowed to share with (sharing.allowed_regions is empty or there is no profile)",
                setting: "list the permitted regions under sharing.allowed_regions in the profile given with --profile")
        }
        let listed = allowedRegions.joined(separator: ", ")
        guard allowedRegions.contains(bundleRegion) else {
            throw TransferError.sharingRefused(
                reason: "the bundle's region \(bundleRegion) is not in sharing.allowed_regions [\(listed)]",
                setting: "add \(bundleRegion) to sharing.allowed_regions in the profile if its data may be shared")
        }
        guard allowedRegions.contains(destinationRegion) else {
            throw TransferError.sharingRefused(
                reason: "the destination's region \(destinationRegion) is not in sharing.allowed_regions [\(listed)]",
                setting: "send to a destination in an allowed region, or add \(destinationRegion) to sharing.allowed_regions in the profile")
        }
    }
}
