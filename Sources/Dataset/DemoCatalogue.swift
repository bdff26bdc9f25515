/// What the demo set holds and how its photos are labelled: the hand-made choices, kept
/// together so that the extraction code holds none.
///
/// Categories are what a photo shows, for use as labels when measuring retrieval: fish,
/// monuments, tools, animals, objects, windmills, solar, power-plants, scenery, vehicles,
/// people.
public enum DemoCatalogue {
    /// The GCompris resource files (in `/usr/share/gcompris-qt/rcc/`, package gcompris-qt-data)
    /// that hold photos, without the `.rcc`.
    public static let gcomprisResources = ["categorization", "erase", "explore_farm_animals", "explore_monuments", "explore_world_animals"]

    /// A GCompris photo's category, from its resource file, its folder below the activity's
    /// `resource/` folder (with a leading `images/` dropped) and its file name; nil when no
    /// rule covers it.
    public static func gcomprisCategory(resource: String, folder: String, fileName: String) -> String? {
        gcomprisRules.first { rule in
            rule.resource == resource && (rule.folder == nil || rule.folder == folder) && fileName.hasPrefix(rule.namePrefix)
        }?.category
    }

    /// First match wins. Folders are categorisation's own groups, except "renewable", split by
    /// what the photos show, and the pictures of letter and number blocks, which are objects.
    private static let gcomprisRules: [(resource: String, folder: String?, namePrefix: String, category: String)] = [
        ("categorization", "fishes", "", "fish"),
        ("categorization", "monuments", "", "monuments"),
        ("categorization", "tools", "", "tools"),
        ("categorization", "others", "", "objects"),
        ("categorization", "alphabets", "", "objects"),
        ("categorization", "numbers", "", "objects"),
        ("categorization", "renewable", "windmill", "windmills"),
        ("categorization", "renewable", "solar", "solar"),
        ("categorization", "renewable", "dam", "power-plants"),
        ("categorization", "renewable", "geothermal", "power-plants"),
        ("explore_monuments", nil, "", "monuments"),
        ("erase", nil, "", "animals"),
        ("explore_world_animals", nil, "", "animals"),
        ("explore_farm_animals", nil, "", "animals"),
    ]

    /// Files that a GCompris README lists under a misspelt name (path relative to the
    /// README's folder → the README's spelling).
    public static let gcomprisReadmeMisspellings = [
        "germany/aulaPalatina.webp": "germany/audaPalatina.webp",
        "screwDriver.webp": "screDriver.webp",
    ]

    /// The KDE Plasma wallpapers (in `/usr/share/wallpapers/`, package
    /// plasma-workspace-wallpapers) that are photographs, by folder name, with their
    /// categories; the other wallpapers are illustrations.
    public static let wallpaperPhotos: [String: String] = [
        "BytheWater": "scenery", "ColdRipple": "scenery", "ColorfulCups": "objects", "DarkestHour": "scenery",
        "EveningGlow": "scenery", "FallenLeaf": "scenery", "Grey": "scenery", "Kite": "scenery",
        "OneStandsOut": "scenery", "Path": "scenery", "summer_1am": "scenery",
    ]

    /// scikit-image's colour photos (put in `.deps/photos/skimage/` by scripts/setup), with
    /// their categories and credits. The folder has no README: the credits are those of the
    /// docstrings in `skimage/data/_fetchers.py` (scikit-image 0.26.0).
    public static let scikitImagePhotos: [(file: String, category: String, credit: Credit)] = [
        ("astronaut.png", "people",
         Credit(licence: "Public Domain", copyright: "NASA", origin: "https://flic.kr/p/r9qvLn")),
        ("chelsea.png", "animals", Credit(licence: "CC0-1.0", copyright: "Stefan van der Walt", origin: "")),
        ("coffee.png", "objects",
         Credit(licence: "CC0-1.0", copyright: "Rachel Michetti (courtesy of Pikolo Espresso Bar)", origin: "")),
        ("motorcycle_left.png", "vehicles",
         Credit(licence: "unstated (Middlebury 2014 stereo data set)",
                copyright: "D. Scharstein et al., Middlebury College",
                origin: "http://vision.middlebury.edu/stereo/data/scenes2014/")),
        ("rocket.jpg", "vehicles",
         Credit(licence: "Public Domain", copyright: "SpaceX",
                origin: "https://www.flickr.com/photos/spacexphotos/16511594820/")),
    ]

    /// Photos whose short side is under this many pixels are flagged `small` in the manifest.
    public static let smallShortSide = 200
}
