import Foundation
import PortalApp
import PortalCore
import PortalDomain
import PortalStorage
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test func fromEnvironment_empty_givesTheDefaults() {
        let configuration = AppConfiguration.fromEnvironment([:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.dataDirectory == "./data")
        #expect(configuration.resourcesDirectory == ".")
        #expect(configuration.publicBaseURL == nil)
        #expect(configuration.secureCookies == false)
        #expect(configuration.rejectedMembersLoseAccess == false)
        #expect(configuration.supportMayDownload == false)
        #expect(configuration.memberQuota == 128)
        #expect(configuration.uploadSizeCap == 1 << 40)
        #expect(configuration.sessionLifetime == 12 * 3600)
        #expect(configuration.trustedProxies.isEmpty)
    }

    @Test func fromEnvironment_readsEveryPortalVariable() {
        let configuration = AppConfiguration.fromEnvironment([
            "PORTAL_HOST": "0.0.0.0",
            "PORTAL_PORT": "9292",
            "PORTAL_DATA_DIR": "/var/lib/portal",
            "PORTAL_RESOURCES_DIR": "/usr/share/portal",
            "PORTAL_PUBLIC_URL": "https://images.example.com",
            "PORTAL_SECURE_COOKIES": "true",
            "PORTAL_REJECTED_MEMBERS_LOSE_ACCESS": "1",
            "PORTAL_SUPPORT_CAN_DOWNLOAD": "yes",
            "PORTAL_MEMBER_QUOTA": "7",
            "PORTAL_UPLOAD_SIZE_CAP": "1048576",
            "PORTAL_SESSION_HOURS": "1.5",
            "PORTAL_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16,",
            "UNRELATED": "ignored",
        ])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9292)
        #expect(configuration.dataDirectory == "/var/lib/portal")
        #expect(configuration.resourcesDirectory == "/usr/share/portal")
        #expect(configuration.publicBaseURL == "https://images.example.com")
        #expect(configuration.secureCookies)
        #expect(configuration.rejectedMembersLoseAccess)
        #expect(configuration.supportMayDownload)
        #expect(configuration.memberQuota == 7)
        #expect(configuration.uploadSizeCap == 1_048_576)
        #expect(configuration.sessionLifetime == 5400)
        #expect(configuration.trustedProxies == ["10.0.0.5", "10.1.0.0/16"])
    }

    @Test(arguments: [("1", true), ("true", true), ("TRUE", true), ("yes", true), ("On", true), ("0", false), ("false", false), ("no", false), ("", false), ("maybe", false)])
    func fromEnvironment_flags(_ text: String, _ expected: Bool) {
        let configuration = AppConfiguration.fromEnvironment([
            "PORTAL_SECURE_COOKIES": text, "PORTAL_REJECTED_MEMBERS_LOSE_ACCESS": text, "PORTAL_SUPPORT_CAN_DOWNLOAD": text,
        ])
        #expect(configuration.secureCookies == expected)
        #expect(configuration.rejectedMembersLoseAccess == expected)
        #expect(configuration.supportMayDownload == expected)
    }

    @Test func fromEnvironment_unparsableNumbersAndEmptyURL_keepTheDefaults() {
        let configuration = AppConfiguration.fromEnvironment([
            "PORTAL_PORT": "http", "PORTAL_MEMBER_QUOTA": "many", "PORTAL_UPLOAD_SIZE_CAP": "1TiB", "PORTAL_SESSION_HOURS": "a day",
            "PORTAL_PUBLIC_URL": "",
        ])
        #expect(configuration.port == 8080)
        #expect(configuration.memberQuota == 128)
        #expect(configuration.uploadSizeCap == 1 << 40)
        #expect(configuration.sessionLifetime == 12 * 3600)
        #expect(configuration.publicBaseURL == nil)
    }

    @Test func settings_followTheConfiguration() {
        var configuration = AppConfiguration()
        configuration.rejectedMembersLoseAccess = true
        configuration.supportMayDownload = true
        configuration.memberQuota = 3
        configuration.uploadSizeCap = 99
        let settings = AppDependencies.settings(for: configuration)
        #expect(settings.access == AccessSettings(rejectedMembersLoseAccess: true, supportMayDownload: true))
        #expect(settings.memberQuota == 3)
        #expect(settings.uploadSizeCap == 99)
        let defaults = AppDependencies.settings(for: AppConfiguration())
        #expect(defaults.access == .standard)
        #expect(defaults.memberQuota == MemberRules.defaultQuota)
    }
}
