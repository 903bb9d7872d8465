import Foundation
import Testing
import Minima
@testable import MinimaCore
@testable import MinimaExperiments

/// A sweep spec names every field once, and nothing below a known field is ignored.
@Suite struct SweepSpecStrictTests {
    static func rejection(_ json: String) -> String? {
        minimaError { _ = try SweepSpec.parse(Data(json.utf8), file: "s.json") }
    }

    @Test func unknownNestedFieldsAreRefused() {
        let zcaEps = SweepSpecStrictTests.rejection(#"{ "name": "x", "data": { "source": "gaussian", "preprocessing": { "zcaEps": 0.1 } }, "grid": { "n": [10], "d0": [3] } }"#)
        #expect(zcaEps?.hasPrefix("s.json: unknown field data.preprocessing.zcaEps (expected one of: center, pool, project, scale, standardize, zca, zcaEpsilon)") == true, "\(zcaEps ?? "accepted")")
        // The right spelling is read.
        let spec = try? SweepSpec.parse(Data(#"{ "name": "x", "data": { "preprocessing": { "zcaEpsilon": 0.1 } }, "grid": { "n": [10], "d0": [3] } }"#.utf8), file: "s.json")
        #expect(spec?.data.preprocessing.zcaEpsilon == 0.1)
    }

    @Test func duplicateKeysAreRefusedAtAnyDepth() {
        #expect(SweepSpecStrictTests.rejection(#"{ "name": "x", "name": "y" }"#) == "s.json: field name is given twice (each field may appear once)")
        #expect(SweepSpecStrictTests.rejection(#"{ "name": "x", "grid": { "n": [10], "d0": [3], "n": [20] } }"#)
                == "s.json: field grid.n is given twice (each field may appear once)")
        #expect(SweepSpecStrictTests.rejection(#"{ "name": "x", "data": { "preprocessing": { "zca": true, "z\u0063a": false } } }"#)
                == "s.json: field data.preprocessing.zca is given twice (each field may appear once)")
        // The same key in different objects, in lists, and in strings is fine.
        #expect(JSONFields.duplicateKey(Array(#"{ "a": { "a": 1 }, "b": [{ "a": 1 }, { "a": "\"a\": 2, \"a\"" }] }"#.utf8)) == nil)
        #expect(JSONFields.duplicateKey(Array(#"{ "b": [{ "a": 1 }, { "c": 1, "c": 2 }] }"#.utf8)) == "b[1].c")
    }
}
