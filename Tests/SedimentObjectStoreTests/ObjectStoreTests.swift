import Testing
@testable import SedimentObjectStore
