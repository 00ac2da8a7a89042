/// Facts about this build of waka-diag.
public enum WakaDiag {
    public static let version = "0.1.0"
}
