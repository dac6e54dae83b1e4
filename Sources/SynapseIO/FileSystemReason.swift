import Foundation
import SynapseCore

/// Plain-language reasons for file-system failures ("permission denied", "no space left on the
/// device"), so that errors shown to users name the problem instead of dumping an `NSError`.
public enum FileSystemReason {
    /// The reason for a POSIX `errno` value.
    public static func describe(errno code: Int32) -> String {
        switch code {
        case EACCES, EPERM: return "permission denied"
        case ENOENT: return "no such file or directory"
        case ENOTDIR: return "a component of the path is not a directory"
        case EISDIR: return "is a directory"
        case ENAMETOOLONG: return "file name too long"
        case ENOSPC: return "no space left on the device"
        case EDQUOT: return "disk quota exceeded"
        case EROFS: return "read-only file system"
        case EEXIST: return "file exists"
        case ENOTEMPTY: return "directory not empty"
        case EXDEV: return "on another file system"
        case ELOOP: return "too many levels of symbolic links"
        case EMFILE, ENFILE: return "too many open files"
        case EIO: return "input/output error"
        case EBUSY: return "device or resource busy"
        case ETXTBSY: return "text file busy"
        default: return String(cString: strerror(code)).lowercased()
        }
    }

    /// The reason for any error thrown by Foundation or the C library: the underlying POSIX error
    /// when there is one, otherwise the error's own description.
    public static func describe(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return describe(errno: posix.code.rawValue) }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return describe(errno: Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return describe(errno: Int32(underlying.code))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: return describe(errno: ENOENT)
            case .fileReadNoPermission, .fileWriteNoPermission: return describe(errno: EACCES)
            case .fileWriteOutOfSpace: return describe(errno: ENOSPC)
            case .fileWriteVolumeReadOnly: return describe(errno: EROFS)
            case .fileReadTooLarge: return "file too large to read"
            case .fileWriteInvalidFileName, .fileReadInvalidFileName: return "invalid file name"
            case .fileReadCorruptFile: return "file is unreadable"
            default: break
            }
        }
        // Foundation's own errors describe themselves in `localizedDescription`; Swift errors in `description`.
        return ns.domain.hasPrefix("NS") ? ns.localizedDescription : String(describing: error)
    }
}
