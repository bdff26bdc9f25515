import Dataset
import XCTest

final class DemoCatalogueTests: XCTestCase {
    func testGComprisCategories() {
        let cases: [(String, String, String, String?)] = [
            ("categorization", "fishes", "fish12.webp", "fish"),
            ("categorization", "monuments", "tajMahal.webp", "monuments"),
            ("categorization", "tools", "hammer3.webp", "tools"),
            ("categorization", "others", "cup.webp", "objects"),
            ("categorization", "alphabets", "alphabets.webp", "objects"),
            ("categorization", "renewable", "windmill13.webp", "windmills"),
            ("categorization", "renewable", "solar4.webp", "solar"),
            ("categorization", "renewable", "dam2.webp", "power-plants"),
            ("categorization", "renewable", "geothermal.webp", "power-plants"),
            ("categorization", "renewable", "tidal.webp", nil),
            ("categorization", "flowers", "rose.webp", nil),
            ("explore_monuments", "france", "eiffelTower.webp", "monuments"),
            ("explore_monuments", "wonders", "petra.webp", "monuments"),
            ("erase", "", "alpaca.webp", "animals"),
            ("explore_world_animals", "animals", "bison.webp", "animals"),
            ("explore_farm_animals", "animals", "cow.webp", "animals"),
            ("explore_world_music", "", "drum.webp", nil),
        ]
        for (resource, folder, name, category) in cases {
            XCTAssertEqual(DemoCatalogue.gcomprisCategory(resource: resource, folder: folder, fileName: name), category,
                           "\(resource) \(folder) \(name)")
        }
    }

    func testHandPickedPhotosHaveCategoriesAndCredits() {
        XCTAssertEqual(DemoCatalogue.wallpaperPhotos.count, 11)
        XCTAssertEqual(DemoCatalogue.scikitImagePhotos.map(\.file),
                       ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg"])
        for photo in DemoCatalogue.scikitImagePhotos {
            XCTAssertFalse(photo.credit.licence.isEmpty || photo.credit.copyright.isEmpty, photo.file)
        }
    }
}
